import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, unlink } from 'node:fs';
import { join } from 'node:path';
import { Transform, pipeline, type Readable } from 'node:stream';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';

/** Folder under STORAGE_DIR that holds the uploads. */
export const UPLOADS_DIR = 'uploads';

/** What the engine adds to multer's file object. */
export interface StoredUpload {
  fieldname: string;
  originalname: string;
  mimetype: string;
  /** Absolute path of the stored upload. */
  path: string;
  /** Same file relative to STORAGE_DIR (what the job records). */
  storagePath: string;
  size: number;
  sha256: string;
}

interface IncomingFile {
  fieldname: string;
  originalname: string;
  mimetype: string;
  stream: Readable;
}

/**
 * Multer storage engine that streams an upload to `STORAGE_DIR/uploads/<uuid>` and hashes it
 * on the way, so even a multi-GB file never sits in memory and never needs a second read.
 * Multer enforces the size limit (it errors the stream and calls `_removeFile`).
 */
export class HashingDiskStorage implements StorageEngine {
  private readonly dir: string;

  constructor(private readonly storageDir: string) {
    this.dir = join(storageDir, UPLOADS_DIR);
    mkdirSync(this.dir, { recursive: true });
  }

  _handleFile(_req: Request, file: IncomingFile, cb: (error?: any, info?: Partial<StoredUpload>) => void): void {
    const name = randomUUID();
    const path = join(this.dir, name);
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, next) {
        hash.update(chunk);
        size += chunk.length;
        next(null, chunk);
      },
    });
    // 'wx': a fresh UUID never collides; refusing to overwrite guards against it anyway.
    const out = createWriteStream(path, { flags: 'wx' });
    pipeline(file.stream, tap, out, (err) => {
      if (err) {
        // A partial file is useless: remove it before reporting the error.
        unlink(path, () => cb(err));
        return;
      }
      cb(null, { path, storagePath: `${UPLOADS_DIR}/${name}`, size, sha256: hash.digest('hex') });
    });
  }

  _removeFile(_req: Request, file: { path?: string }, cb: (error: Error | null) => void): void {
    if (!file.path) return cb(null);
    unlink(file.path, (err) => cb(err && err.code !== 'ENOENT' ? err : null));
  }
}
