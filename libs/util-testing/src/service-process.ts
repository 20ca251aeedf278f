import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './test-env';

export type AppName = 'gateway' | 'geocoder' | 'report-merger' | 'cli';

export interface ServiceProcessOptions {
  /** Extra Node flags, e.g. `--cpu-prof` for the benchmark's `--profile` (NODE_OPTIONS refuses it). */
  nodeArgs?: string[];
  /** Runs the build output (`npm run build`, as the containers do) instead of compiling the sources on the fly. */
  compiled?: boolean;
  /** Scheduling niceness (0–19: higher yields the CPU to the others), as `nice -n` would start it. */
  niceness?: number;
}

/** One of the apps running as its own OS process, the way it runs in production. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly app: AppName,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly args: string[] = [],
    private readonly options: ServiceProcessOptions = {},
  ) {}

  start(): this {
    mkdirSync(this.logDir, { recursive: true });
    const log = createWriteStream(join(this.logDir, `${this.app}.log`), { flags: 'a' });
    const child = spawn(
      process.execPath,
      this.options.compiled
        ? [...(this.options.nodeArgs ?? []), join('dist', 'apps', this.app, 'src', 'main.js'), ...this.args]
        : [...(this.options.nodeArgs ?? []), '-r', 'reflect-metadata', '-r', '@swc-node/register', join('apps', this.app, 'src', 'main.ts'), ...this.args],
      // The child inherits PATH and friends; its configuration is what `env` overrides.
      // eslint-disable-next-line no-restricted-properties
      { cwd: REPO_ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
    if (this.options.niceness && child.pid !== undefined) setPriority(child.pid, this.options.niceness);
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown hooks, no offset commits, like a crash or an OOM kill. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for a clean exit. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with the exit code once the process ends by itself. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }
}

/** Polls until `check` returns a value, or fails with the last state after the timeout. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 200,
  /** Errors that end the wait at once instead of being retried. */
  isFatal: (e: unknown) => boolean = () => false,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      if (isFatal(e)) throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

