import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './cli-process';

export type ServiceName = 'gateway' | 'geocoder' | 'report-merger';

/** One of the services as its own process, as `npm run start:<name>` runs it; output goes to `<logDir>/<name>.log`. */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  start(): this {
    mkdirSync(this.logDir, { recursive: true });
    const log = createWriteStream(join(this.logDir, `${this.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, ['-r', 'reflect-metadata', '-r', '@swc-node/register', join('apps', this.name, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { TZ: 'UTC', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.child = child;
    return this;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL if it has not stopped after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls until `check` is true, or fails after `timeoutMs` naming what it waited for. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
