import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';

export interface UploadFile {
  path: string;
  /** The name the server is told. */
  name: string;
  type: string;
}

export interface UploadAnswer {
  status: number;
  statusText: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A multipart parameter value as browsers and undici write it: UTF-8, with `"` CR LF percent-escaped. */
function quoted(value: string): string {
  return value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

/** The multipart/form-data framing around the file: everything before it and after it. */
export function multipartFrame(boundary: string, fields: Record<string, string>, file: UploadFile): { head: Buffer; tail: Buffer } {
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`,
  );
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(file.name)}"\r\nContent-Type: ${file.type}\r\n\r\n`);
  return { head: Buffer.from(parts.join(''), 'utf8'), tail: Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8') };
}

/**
 * POSTs text fields and a file as multipart/form-data with a Content-Length, the file streamed
 * from disk with backpressure: memory stays flat whatever the file's size. (Node 20's fetch
 * holds a streamed request body in memory until the request ends, so this uses node:http.)
 * Resolves with the answer, even one the server sent before reading the whole upload.
 */
export async function postMultipart(
  url: URL,
  fields: Record<string, string>,
  file: UploadFile,
  headers: Record<string, string>,
  options: { signal?: AbortSignal; onProgress?: (sentBytes: number, fileBytes: number) => void } = {},
): Promise<UploadAnswer> {
  const { signal, onProgress } = options;
  const boundary = `----geobatch-${randomBytes(16).toString('hex')}`;
  const { head, tail } = multipartFrame(boundary, fields, file);
  const size = (await stat(file.path)).size;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = request(url, {
    method: 'POST',
    signal,
    headers: {
      ...headers,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + size + tail.length),
    },
  });
  const answered = new Promise<UploadAnswer>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
  });
  async function* body() {
    yield head;
    // Exactly the bytes announced, even if the file grows meanwhile.
    let sent = 0;
    for await (const chunk of createReadStream(file.path, { end: size - 1, highWaterMark: 256 * 1024 })) {
      yield chunk as Buffer;
      sent += (chunk as Buffer).length;
      onProgress?.(sent, size);
    }
    yield tail;
  }
  const sent = pipeline(size > 0 ? body() : [head, tail], req).then(
    () => null,
    (e: unknown) => e,
  );
  try {
    return await answered;
  } catch (e) {
    // A refusal the server sent mid-upload is worth more than the broken pipe that followed it.
    throw (await sent) ?? e;
  } finally {
    // The server answered before taking everything (a refusal): stop sending the rest.
    if (!req.writableFinished) req.destroy();
  }
}
