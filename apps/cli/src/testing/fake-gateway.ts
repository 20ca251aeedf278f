import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobStatus, JobStatusDto } from '@geobatch/contracts';

/** A request as the fake gateway received it; a multipart body is parsed into fields and files. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  fields: Record<string, string>;
  files: Record<string, { name: string; type: string; bytes: Buffer }>;
}

type Handler = (req: RecordedRequest, res: ServerResponse, match: RegExpMatchArray) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handle: Handler;
  /** The handler reads the body itself (e.g. to count bytes without keeping them). */
  raw?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The gateway's error shape. */
export function sendError(res: ServerResponse, status: number, message: string, requestId = 'req-fake-1'): void {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 410: 'Gone', 500: 'Internal Server Error', 503: 'Service Unavailable' }[status] ?? 'Error';
  sendJson(res, status, { statusCode: status, error, message, requestId });
}

async function parseMultipart(headers: IncomingMessage['headers'], body: Buffer): Promise<Pick<RecordedRequest, 'fields' | 'files'>> {
  const fields: RecordedRequest['fields'] = {};
  const files: RecordedRequest['files'] = {};
  if (!String(headers['content-type'] ?? '').startsWith('multipart/form-data')) return { fields, files };
  const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': String(headers['content-type']) }, body }).formData();
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields[name] = value;
    else files[name] = { name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
  }
  return { fields, files };
}

/** A local stand-in for the gateway: scripted routes on 127.0.0.1, every request recorded. */
export class FakeGateway {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];
  private server?: Server;
  url = '';

  on(method: string, pattern: RegExp, handle: Handler): this {
    this.routes.push({ method, pattern, handle });
    return this;
  }

  onRaw(method: string, pattern: RegExp, raw: NonNullable<Route['raw']>): this {
    this.routes.push({ method, pattern, handle: () => undefined, raw });
    return this;
  }

  /** `POST /jobs` answers 202 with `id`. */
  acceptJobs(id: string): this {
    return this.on('POST', /^\/jobs$/, (_req, res) => sendJson(res, 202, { id, status: 'queued' }));
  }

  /** `GET /jobs/:id` answers the views in turn, repeating the last. */
  jobViews(id: string, views: JobStatusDto[]): this {
    let i = 0;
    return this.on('GET', new RegExp(`^/jobs/${id}$`), (_req, res) => sendJson(res, 200, views[Math.min(i++, views.length - 1)]));
  }

  /** `GET /jobs/:id/result` answers the workbook bytes with the given Content-Disposition. */
  result(id: string, bytes: Buffer, disposition?: string): this {
    return this.on('GET', new RegExp(`^/jobs/${id}/result$`), (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'content-length': bytes.length,
        ...(disposition ? { 'content-disposition': disposition } : {}),
      });
      res.end(bytes);
    });
  }

  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const method = req.method ?? 'GET';
    // Later routes win, so a test can override a default.
    const route = [...this.routes].reverse().find((r) => r.method === method && r.pattern.test(path));
    try {
      if (route?.raw) {
        this.requests.push({ method, path, headers: req.headers, body: Buffer.alloc(0), fields: {}, files: {} });
        await route.raw(req, res);
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const recorded: RecordedRequest = { method, path, headers: req.headers, body, ...(await parseMultipart(req.headers, body)) };
      this.requests.push(recorded);
      if (!route) return sendError(res, 404, `Cannot ${method} ${path}`);
      await route.handle(recorded, res, path.match(route.pattern)!);
    } catch (e) {
      if (!res.headersSent) sendError(res, 500, `fake gateway: ${(e as Error).message}`);
      else res.destroy();
    }
  }
}

/** A job status as the gateway reports it. */
export function jobView(id: string, status: `${JobStatus}`, processed: number, total: number | null, extra: Partial<JobStatusDto> = {}): JobStatusDto {
  const done = status === 'completed' || status === 'failed' || status === 'cancelled';
  return {
    id,
    status: status as JobStatus,
    rows: { total, processed, ok: Math.max(0, processed - 1), problems: processed > 0 ? 1 : 0, blank: 0 },
    progress: { fraction: total ? processed / total : null, rowsPerSecond: processed > 0 ? 1000 : null, etaSeconds: done ? 0 : null, totalEstimated: false },
    fileName: 'overspeed.csv',
    datasets: ['kostat@2018'],
    error: null,
    createdAt: '2025-03-01T09:00:00.000Z',
    finishedAt: done ? '2025-03-01T09:00:12.500Z' : null,
    resultUrl: status === 'completed' ? `/jobs/${id}/result` : null,
    ...extra,
  };
}
