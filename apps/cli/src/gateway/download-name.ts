import { parse } from 'content-disposition';

/**
 * The file name a `Content-Disposition` header offers: `filename*` (exact, UTF-8 or ISO-8859-1)
 * when present and decodable, else `filename`; null when there is neither or the header does not parse.
 */
export function fileNameFromDisposition(header: string | null | undefined): string | null {
  if (!header) return null;
  try {
    // The package decodes `filename*` into `filename` when it can, and keeps the plain one otherwise.
    const name = parse(header).parameters.filename;
    return name ? name : null;
  } catch {
    return null;
  }
}

/**
 * A server-supplied name made safe to create in a chosen directory: its last path segment only,
 * without control or reserved characters and not hidden; null when nothing usable remains.
 */
export function safeFileName(name: string | null | undefined): string | null {
  if (!name) return null;
  const last = name.split(/[/\\]/).pop() ?? '';
  const cleaned = last
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '');
  if (cleaned === '' || /^_*$/.test(cleaned)) return null;
  return cleaned.length > 200 ? cleaned.slice(0, 200) : cleaned;
}
