/** One observation: when (ms) and how many rows (or bytes) were done by then. */
interface RateSample {
  time: number;
  done: number;
}

export interface RateWindowOptions {
  /** How far back the rate looks, in ms (20 s by default). */
  windowMs?: number;
  /**
   * Measure from the moment work begins to move: an observation of 0 starts over (a queued job's
   * wait does not count against its rate) and a window without progress has no rate (null, not 0).
   * The web page wants this; the CLI reports 0 rows/s for a job that has not moved.
   */
  fromFirstProgress?: boolean;
}

/**
 * Rows per second over a sliding window of observations, shared by the web page and the CLI (plain
 * TypeScript: the page bundles it for the browser). A count lower than the last one is another
 * count (a restart): the window starts over.
 */
export class RateWindow {
  private samples: RateSample[] = [];
  private readonly windowMs: number;
  private readonly fromFirstProgress: boolean;

  constructor(options: RateWindowOptions | number = {}) {
    const o = typeof options === 'number' ? { windowMs: options } : options;
    this.windowMs = o.windowMs ?? 20_000;
    this.fromFirstProgress = o.fromFirstProgress ?? false;
  }

  add(time: number, done: number): void {
    const last = this.samples[this.samples.length - 1];
    if ((last && done < last.done) || (this.fromFirstProgress && done === 0)) this.samples = [];
    this.samples.push({ time, done });
    // The oldest sample stays while the next one is still inside the window: the rate spans it whole.
    while (this.samples.length > 2 && time - this.samples[1].time >= this.windowMs) this.samples.shift();
  }

  /** Per second; null until two observations some time apart. */
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (last.time <= first.time) return null;
    if (this.fromFirstProgress && last.done === first.done) return null;
    return ((last.done - first.done) * 1000) / (last.time - first.time);
  }
}

/** Seconds left for `total - done` at `rate` per second; null without a total or a positive rate. */
export function etaSeconds(total: number | null | undefined, done: number, rate: number | null): number | null {
  if (typeof total !== 'number' || rate === null || !(rate > 0)) return null;
  return Math.max(0, (total - done) / rate);
}
