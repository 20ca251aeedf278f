import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux build we run on). */
const USER_HZ = 100;

/** CPU time (user + system) a live process has used so far, in seconds; null when it cannot be read. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return null;
  }
}

/** Pids of the live processes whose command name (`/proc/<pid>/comm`) is `name`, e.g. `postgres` or `java`. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU time every core of the machine has spent busy (not idle or waiting for I/O), in seconds. */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks; // idle and iowait left out
  return (user + nice + system + irq + softirq + steal) / USER_HZ;
}

/** Peak resident memory of a live process in MB (Linux `VmHWM`), or null when it cannot be read. */
export function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}
