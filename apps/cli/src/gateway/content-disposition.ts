import { Buffer } from 'node:buffer';

/** RFC 8187 `charset'lang'value`: percent-decoded in the given charset (UTF-8 or ISO-8859-1). */
function decodeExtValue(raw: string): string | null {
  const m = /^([\w!#$%&+^`{}~-]+)'[^']*'(.*)$/.exec(raw.trim());
  if (!m) return null;
  const charset = m[1].toLowerCase();
  const bytes: number[] = [];
  const text = m[2];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'latin1'));
    }
  }
  if (charset === 'utf-8') {
    const decoded = new TextDecoder('utf-8', { fatal: true });
    try {
      return decoded.decode(Uint8Array.from(bytes));
    } catch {
      return null;
    }
  }
  if (charset === 'iso-8859-1') return Buffer.from(bytes).toString('latin1');
  return null;
}

/** A quoted-string or token value, unquoted. */
function plainValue(raw: string): string {
  const v = raw.trim();
  return v.startsWith('"') ? v.slice(1, v.endsWith('"') ? -1 : undefined).replace(/\\(.)/g, '$1') : v;
}

/**
 * The file name a `Content-Disposition` header offers: `filename*` (exact, UTF-8) when present
 * and decodable, else `filename`; null when there is neither.
 */
export function fileNameFromDisposition(header: string | null | undefined): string | null {
  if (!header) return null;
  const params = new Map<string, string>();
  // Parameters are `;`-separated; a quoted value may itself hold `;`.
  const re = /;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const key = m[1].toLowerCase();
    if (!params.has(key)) params.set(key, m[2]);
  }
  const ext = params.get('filename*');
  const exact = ext !== undefined ? decodeExtValue(plainValue(ext)) : null;
  if (exact) return exact;
  const fallback = params.get('filename');
  return fallback !== undefined && plainValue(fallback) !== '' ? plainValue(fallback) : null;
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
