import { Format, SingleBar, Presets, type Options, type Params } from 'cli-progress';
import { etaSeconds, RateWindow as RateMeter, rowsPercent, type JobStatusDto } from '@geobatch/contracts';
import { bytes } from '../commands/format';

/** Rows (or bytes) per second over a sliding window: the page's window too (libs/contracts). */
export { RateWindow as RateMeter, etaSeconds } from '@geobatch/contracts';

/** `42s`, `3m05s`, `1h02m` */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function rowsOf(view: JobStatusDto): string {
  return `${view.rows.processed}/${view.rows.total ?? '?'} rows`;
}

function rateOf(rate: number | null): string {
  return rate === null ? '' : ` (${rate >= 10 || Number.isInteger(rate) ? Math.round(rate) : rate.toFixed(1)} rows/s)`;
}

/** `job <id> running 1200/5000 rows (240 rows/s)`; a queued job with nothing counted is just `job <id> queued`. */
export function plainLine(view: JobStatusDto, rate: number | null): string {
  const counted = view.rows.processed > 0 || view.rows.total !== null || view.status !== 'queued';
  return `job ${view.id} ${view.status}${counted ? ` ${rowsOf(view)}` : ''}${rateOf(rate)}`;
}

/** Shows a job's progress while the CLI waits for it. */
export interface ProgressReporter {
  update(view: JobStatusDto): void;
  /** A passing remark, e.g. that the gateway is not answering and the CLI retries. */
  note(text: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Where the bar is drawn (a TTY) or lines are written. */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Plain lines, for logs and pipes. */
  line: (text: string) => void;
  now?: () => number;
}

/** One line each time the status or the counts of a job still under way change: for logs, CI and pipes. */
export class PlainProgress implements ProgressReporter {
  private last = '';
  private readonly meter = new RateMeter();

  constructor(
    private readonly line: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  update(view: JobStatusDto): void {
    this.meter.add(this.now(), view.rows.processed);
    // The end is the caller's to tell: a summary, or the reason on stderr.
    if (view.status === 'completed' || view.status === 'failed' || view.status === 'cancelled') return;
    const key = `${view.status} ${rowsOf(view)}`;
    if (key === this.last) return;
    this.last = key;
    this.line(plainLine(view, view.status === 'running' ? this.meter.rate() : null));
  }

  note(text: string): void {
    this.line(text);
    this.last = '';
  }

  stop(): void {}
}

/** A redrawn bar with processed/total, rows/s and ETA: for a person at a terminal. */
export class BarProgress implements ProgressReporter {
  private readonly meter = new RateMeter();
  private readonly bar: SingleBar;
  private started = false;

  constructor(
    stream: NodeJS.WritableStream,
    private readonly now: () => number = Date.now,
  ) {
    this.bar = new SingleBar(
      {
        stream,
        format: (options: Options, params: Params, payload: { head: string; tail: string }) =>
          `${payload.head} ${Format.BarFormat(params.progress, options)} ${payload.tail}`,
        barsize: 30,
        hideCursor: true,
        emptyOnZero: true,
        fps: 5,
        // A Ctrl-C is the command's to handle: it must not restore the terminal by exiting.
        gracefulExit: false,
      },
      Presets.shades_classic,
    );
  }

  update(view: JobStatusDto): void {
    this.meter.add(this.now(), view.rows.processed);
    const rate = view.status === 'running' ? this.meter.rate() : null;
    const { total, processed } = view.rows;
    const eta = etaSeconds(total, processed, rate);
    const done = rowsPercent(view.rows, view.status === 'completed');
    const percent = done === null ? '--%' : `${done}%`;
    const payload = {
      head: `job ${view.id.slice(0, 8)} ${view.status.padEnd(9)}`,
      tail: [
        `${percent.padStart(4)} ${rowsOf(view)}`,
        rate === null ? '- rows/s' : `${Math.round(rate)} rows/s`,
        `ETA ${eta === null ? '-' : formatDuration(eta)}`,
      ].join(' | '),
    };
    // Until the total is known the bar stays empty; the counts are in the text.
    const value = total === null ? 0 : view.status === 'completed' ? total : Math.min(processed, total);
    if (!this.started) {
      this.bar.start(total ?? 0, value, payload);
      this.started = true;
    } else {
      this.bar.setTotal(total ?? 0);
      this.bar.update(value, payload);
    }
    // Polls are far apart: show each answer now rather than at the next frame.
    this.bar.render();
  }

  note(text: string): void {
    if (!this.started) return;
    this.bar.update({ tail: text });
    this.bar.render();
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

/** The upload's bytes on a terminal: sent/total, speed and ETA (redrawn at most a few times a second). */
export class UploadBar {
  private readonly meter = new RateMeter(5_000);
  private readonly bar: SingleBar;
  private started = false;

  constructor(
    stream: NodeJS.WritableStream,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.bar = new SingleBar(
      {
        stream,
        format: (options: Options, params: Params, payload: { tail: string }) => `uploading ${Format.BarFormat(params.progress, options)} ${payload.tail}`,
        barsize: 30,
        hideCursor: true,
        fps: 5,
        gracefulExit: false,
      },
      Presets.shades_classic,
    );
  }

  update(sent: number): void {
    this.meter.add(this.now(), sent);
    const rate = this.meter.rate();
    const eta = etaSeconds(this.total, sent, rate);
    const payload = {
      tail: [
        `${this.total ? Math.floor((sent * 100) / this.total) : 100}% ${bytes(sent)}/${bytes(this.total)}`,
        rate === null ? '-/s' : `${bytes(Math.round(rate))}/s`,
        `ETA ${eta === null ? '-' : formatDuration(eta)}`,
      ].join(' | '),
    };
    if (!this.started) {
      this.bar.start(this.total, sent, payload);
      this.started = true;
    } else this.bar.update(sent, payload);
  }

  stop(): void {
    if (!this.started) return;
    this.bar.render();
    this.bar.stop();
    this.started = false;
  }
}

/** A bar on a terminal, plain lines anywhere else. */
export function progressFor(options: ProgressOptions): ProgressReporter {
  return options.stream.isTTY ? new BarProgress(options.stream, options.now) : new PlainProgress(options.line, options.now);
}
