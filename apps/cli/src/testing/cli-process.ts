import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** Repository root (apps/cli/src/testing → four levels up). */
export const ROOT = resolve(__dirname, '../../../..');

export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout line matching `re`. */
  line: (re: RegExp, timeoutMs?: number) => Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The CLI as its own process, the way `npm run cli` starts it, with exactly `env` (plus PATH). */
export function spawnCli(args: string[], env: Record<string, string>, path?: string): CliProcess {
  const child = spawn(process.execPath, ['-r', 'reflect-metadata', '-r', '@swc-node/register', 'apps/cli/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...(path ? { PATH: path } : {}), TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    for (const w of [...waiters]) {
      const hit = out.split('\n').find((l) => w.re.test(l));
      if (hit !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    line: (re, timeoutMs = 30_000) =>
      new Promise((resolveLine, reject) => {
        const hit = out.split('\n').find((l) => re.test(l));
        if (hit !== undefined) return resolveLine(hit);
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolveLine(l)) });
        void exit.then(() => setTimeout(() => reject(new Error(`exited before a line matching ${re}; stdout:\n${out}\nstderr:\n${err}`)), 50));
      }),
  };
}
