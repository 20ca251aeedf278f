import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CliError } from '../cli-context';
import { fileNameFromDisposition, safeFileName } from './download-name';
import { GatewayUnreachableError } from './gateway-client';

/** Where a download goes: `--out` as given (a file or an existing directory) or the server's name in `dir`. */
export interface DownloadTarget {
  /** `--out`, resolved; undefined for the server's name in `dir`. */
  out?: string;
  /** Directory for the server's name (the current directory). */
  dir: string;
  /** Overwrite an existing `--out` file. */
  force?: boolean;
}

async function kindOf(path: string): Promise<'file' | 'dir' | 'other' | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
}

/**
 * Checks a `--out` before any work is done: its directory must exist, and an existing file is
 * refused unless `force`; an existing directory receives the server's name.
 */
export async function checkOutTarget(target: DownloadTarget): Promise<void> {
  if (target.out === undefined) return;
  const kind = await kindOf(target.out);
  if (kind === 'dir') return;
  if (kind === 'other') throw new CliError(`--out ${target.out} exists and is not a regular file`);
  if (kind === 'file' && !target.force) throw new CliError(`--out ${target.out} already exists; choose another path or add --force to overwrite it`);
  if ((await kindOf(dirname(target.out))) !== 'dir') throw new CliError(`--out ${target.out}: the directory ${dirname(target.out)} does not exist`);
}

/** `name.xlsx`, `name (1).xlsx`, `name (2).xlsx`, … */
export function numbered(path: string, n: number): string {
  if (n === 0) return path;
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)} (${n})${ext}`);
}

/** Creates `path` exclusively (it must not exist), so no other writer can take the name. */
async function create(path: string): Promise<boolean> {
  try {
    await (await open(path, 'wx')).close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CliError(`cannot create ${path}: ${(e as Error).message}`);
  }
}

/** Creates `path`, or the first free numbered variant of it: never replaces a file. */
async function reserveFree(path: string): Promise<string> {
  for (let n = 0; n < 1000; n++) {
    if (await create(numbered(path, n))) return numbered(path, n);
  }
  throw new CliError(`${path} and its numbered variants up to (999) all exist; pass --out`);
}

function originOf(res: Response): string {
  try {
    return new URL(res.url).origin;
  } catch {
    return 'the gateway';
  }
}

export interface SavedDownload {
  path: string;
  bytes: number;
}

/**
 * Streams a download to disk through a `.part` file, renamed into place once every byte (as many
 * as Content-Length says) has arrived. The server's name comes from Content-Disposition (else
 * `fallbackBase` with the extension of the Content-Type). It never replaces an existing file,
 * except an explicit `--out` with `force`.
 */
export async function saveDownload(res: Response, target: DownloadTarget, fallbackBase: string): Promise<SavedDownload> {
  const extension = /^text\/csv\b/i.test(res.headers.get('content-type') ?? '') ? '.csv' : '.xlsx';
  const serverName = safeFileName(fileNameFromDisposition(res.headers.get('content-disposition'))) ?? `${fallbackBase}${extension}`;
  await checkOutTarget(target);
  const outKind = target.out === undefined ? null : await kindOf(target.out);
  // The name this download created empty to hold it; removed again if the download fails.
  let reserved: string | null = null;
  let final: string;
  if (target.out === undefined || outKind === 'dir') final = reserved = await reserveFree(join(target.out ?? target.dir, serverName));
  else if (target.force) final = target.out;
  else if (await create(target.out)) final = reserved = target.out;
  else throw new CliError(`--out ${target.out} already exists; choose another path or add --force to overwrite it`);
  // Beside the final name, so the rename stays on one file system; never an existing file.
  const part = `${final}.${randomBytes(4).toString('hex')}.part`;
  try {
    if (!res.body) throw new GatewayUnreachableError(originOf(res), 'the download has no body', false);
    let bytes = 0;
    const dest = createWriteStream(part, { flags: 'wx' });
    let writeError: Error | undefined;
    dest.once('error', (e) => (writeError = e));
    try {
      await pipeline(
        Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
        async function* count(chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            bytes += chunk.length;
            yield chunk;
          }
        },
        dest,
      );
    } catch (e) {
      if (writeError) throw new CliError(`cannot write ${part}: ${writeError.message}`);
      if ((e as Error).name === 'AbortError') throw e;
      throw new GatewayUnreachableError(originOf(res), `the download broke off after ${bytes} bytes (${(e as Error).message})`, false);
    }
    const expected = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(expected) && expected !== bytes) {
      throw new GatewayUnreachableError(originOf(res), `the download broke off after ${bytes} of ${expected} bytes`, false);
    }
    await rename(part, final);
    return { path: final, bytes };
  } catch (e) {
    await unlink(part).catch(() => undefined);
    if (reserved) await unlink(reserved).catch(() => undefined);
    throw e;
  }
}
