import { isAbsolute, relative, resolve } from 'node:path';

/** A recorded path that would lead out of the storage folder (a tampered or foreign row). */
export class StoredPathError extends Error {
  constructor(readonly stored: string) {
    super(`stored path "${stored}" is outside the storage folder`);
    this.name = 'StoredPathError';
  }
}

/**
 * The one way to turn a path recorded relative to STORAGE_DIR (an upload, a result) into an
 * absolute one. Throws StoredPathError when it would leave the folder.
 */
export function resolveStoredPath(storageDir: string, stored: string): string {
  const root = resolve(storageDir);
  const full = resolve(root, stored);
  const rel = relative(root, full);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) throw new StoredPathError(stored);
  return full;
}
