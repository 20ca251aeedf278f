import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { CliContext } from '../cli-context';
import { runCli } from '../main';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** Everything drawn on the (fake) terminal. */
  screen: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Pretend stdout is a terminal. */
  tty?: boolean;
  /** Called with each stdout line as it is printed, and a way to press Ctrl-C. */
  onLine?: (line: string, sigint: () => void) => void;
}

/**
 * Runs the CLI in this process with exactly `env` as its environment, its output captured.
 * The database URL points nowhere: gateway commands must not need it.
 */
export async function runCapture(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new EventEmitter();
  const sigint = () => signals.emit('SIGINT');
  const terminal = Object.assign(new PassThrough(), { isTTY: options.tty === true, columns: 120 });
  let screen = '';
  terminal.on('data', (c: Buffer) => (screen += c.toString('utf8')));
  const ctx = new CliContext(
    {
      out: (t) => {
        out.push(...t.split('\n'));
        for (const line of t.split('\n')) options.onLine?.(line, sigint);
      },
      err: (t) => err.push(...t.split('\n')),
    },
    { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ...options.env },
    // Never the developer's `npm run stack` key: a spec sees only the keys it configures.
    { stdout: terminal, signals, devKeyFile: null },
  );
  const code = await runCli(argv, ctx);
  return { code, out, err, screen };
}
