import { basename, extname } from 'node:path';
import type { CreateJobDto, ErrorResponseDto, JobCreatedDto, JobStatusDto } from '@geobatch/contracts';
import { ExitCode } from '../exit-codes';
import { postMultipart } from './multipart-upload';

/** A dataset as `GET /datasets` lists it (fields beyond these are shown when present). */
export interface DatasetView {
  id: string;
  name: string;
  version: string;
  levels: string[];
  featureCounts: Record<string, number>;
  isDefault: boolean;
  effectiveDate?: string | null;
  attribution?: string | null;
  createdAt?: string;
}

/** The text fields of `POST /jobs`, named as the gateway's contract names them. */
export type JobFields = { [K in keyof CreateJobDto]?: string };

/** Something went wrong talking to the gateway; `exitCode` says how the CLI should end. */
export abstract class GatewayError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** The gateway answered with an error status. */
export class GatewayHttpError extends GatewayError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly serverMessage: string,
    readonly requestId?: string,
  ) {
    super(`${serverMessage} (HTTP ${status} from ${method} ${path}${requestId ? `, request ${requestId}` : ''})`);
    this.name = 'GatewayHttpError';
  }

  /** A refused request (4xx) is the caller's input; a server error, a conflict or a gone result is the server's state. */
  get exitCode(): ExitCode {
    return this.status >= 400 && this.status < 500 && ![408, 409, 410, 429].includes(this.status) ? ExitCode.Usage : ExitCode.Unavailable;
  }

  /** Worth asking again: the gateway is restarting, overloaded or timed out. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** No HTTP answer at all: connection refused, DNS, reset, timeout. */
export class GatewayUnreachableError extends GatewayError {
  readonly exitCode = ExitCode.Unavailable;
  readonly transient = true;
  constructor(
    readonly baseUrl: string,
    readonly reason: string,
    /** False when the gateway answered but the answer broke off. */
    connecting = true,
  ) {
    super(connecting ? `cannot reach the gateway at ${baseUrl}: ${reason} (is it running? set --url or GEOBATCH_URL)` : `${reason} (gateway ${baseUrl})`);
    this.name = 'GatewayUnreachableError';
  }
}

/** The gateway answered 2xx with something that is not what the route promises. */
export class GatewayProtocolError extends GatewayError {
  readonly exitCode = ExitCode.Unavailable;
  constructor(message: string) {
    super(message);
    this.name = 'GatewayProtocolError';
  }
}

/** The file to upload could not be read. */
export class UploadFileError extends GatewayError {
  readonly exitCode = ExitCode.Usage;
  constructor(message: string) {
    super(message);
    this.name = 'UploadFileError';
  }
}

/** A route this gateway does not have yet (404 on a collection route). */
export class UnsupportedRouteError extends GatewayError {
  readonly exitCode = ExitCode.Unavailable;
  constructor(what: string, route: string, hint: string) {
    super(`this gateway does not support listing ${what} yet (${route} answered 404); ${hint}`);
    this.name = 'UnsupportedRouteError';
  }
}

const UPLOAD_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xls': 'application/vnd.ms-excel',
};

/** The most useful words of a fetch failure: `connect ECONNREFUSED 127.0.0.1:3000` rather than `fetch failed`. */
function reasonOf(e: unknown): string {
  let err = e as { message?: string; code?: string; cause?: unknown } | undefined;
  let best = err?.message ?? String(e);
  for (let depth = 0; err?.cause && depth < 5; depth++) {
    err = err.cause as typeof err;
    if (err?.message) best = err.message;
    else if (err?.code) best = err.code;
  }
  return best;
}

export interface GatewayClientOptions {
  /** Sent as `Authorization: Bearer <key>` when set. */
  apiKey?: string;
  /** Aborts every request in flight (Ctrl-C). */
  signal?: AbortSignal;
  /** How long to wait for an answer's headers (the upload itself takes what it takes); 30 s by default. */
  requestTimeoutMs?: number;
}

/** The gateway's REST interface, with errors turned into {@link GatewayError}s. */
export class GatewayClient {
  /** With a trailing slash, so relative paths keep a base path such as `/geobatch/`. */
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly options: GatewayClientOptions = {},
  ) {
    const u = new URL(baseUrl);
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    this.base = u;
  }

  /** The base URL as given, for messages (never holds the key). */
  get baseUrl(): string {
    return this.base.toString().replace(/\/$/, '');
  }

  withSignal(signal: AbortSignal | undefined): GatewayClient {
    return new GatewayClient(this.base.toString(), { ...this.options, signal });
  }

  /** Uploads the file, streamed from disk, with the form fields; answers once the gateway accepted the job. */
  async createJob(file: string, fields: JobFields, onProgress?: (sentBytes: number, fileBytes: number) => void): Promise<JobCreatedDto> {
    const text: Record<string, string> = {};
    // Text fields first: the gateway knows the options before the file arrives.
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) text[k] = v;
    const type = UPLOAD_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    let answer;
    try {
      answer = await postMultipart(new URL('jobs', this.base), text, { path: file, name: basename(file), type }, this.headers(), {
        signal: this.options.signal,
        onProgress,
      });
    } catch (e) {
      if (this.options.signal?.aborted) throw this.options.signal.reason ?? e;
      const err = e as NodeJS.ErrnoException;
      if (err.path === file) throw new UploadFileError(`cannot read ${file}: ${err.message}`);
      throw new GatewayUnreachableError(this.baseUrl, reasonOf(e));
    }
    const requestId = answer.headers['x-request-id'];
    if (answer.status < 200 || answer.status > 299) {
      throw this.explained(errorFromBody('POST', '/jobs', answer.status, answer.statusText, answer.body, typeof requestId === 'string' ? requestId : undefined));
    }
    const body = parseJson<JobCreatedDto>(answer.body, `POST /jobs answered ${answer.status}`);
    if (typeof body?.id !== 'string') throw new GatewayProtocolError('POST /jobs answered without a job id');
    return body;
  }

  async job(id: string): Promise<JobStatusDto> {
    const path = `jobs/${encodeURIComponent(id)}`;
    const body = await this.json<JobStatusDto>(await this.send('GET', path), `GET /${path}`);
    if (typeof body?.status !== 'string' || typeof body.rows !== 'object') throw new GatewayProtocolError(`GET /${path} answered without a job status`);
    return body;
  }

  async jobs(): Promise<JobStatusDto[]> {
    return this.list<JobStatusDto>('jobs', 'jobs', 'use `status ID` for one job');
  }

  async datasets(): Promise<DatasetView[]> {
    return this.list<DatasetView>('datasets', 'datasets', '`datasets:list` reads them from the database directly');
  }

  /** The result download, headers received and body not yet read. A 409 (not completed yet) is a GatewayHttpError. */
  async result(id: string): Promise<Response> {
    return this.send('GET', `jobs/${encodeURIComponent(id)}/result`);
  }

  private async list<T>(what: string, path: string, hint: string): Promise<T[]> {
    let res: Response;
    try {
      res = await this.send('GET', path);
    } catch (e) {
      if (e instanceof GatewayHttpError && e.status === 404) throw new UnsupportedRouteError(what, `GET /${path}`, hint);
      throw e;
    }
    const body = await this.json<unknown>(res, `GET /${path}`);
    // A plain array, or a page object holding one.
    const items = Array.isArray(body) ? body : (body as { items?: unknown })?.items;
    if (!Array.isArray(items)) throw new GatewayProtocolError(`GET /${path} answered something that is not a list`);
    return items as T[];
  }

  /** Sends a request, waiting at most `requestTimeoutMs` for the answer's headers (a body may take longer). */
  private async send(method: string, path: string): Promise<Response> {
    const headers = new Headers(this.headers());
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout.signal]) : timeout.signal;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), { method, headers, signal, redirect: 'follow' });
    } catch (e) {
      if (this.options.signal?.aborted) throw this.options.signal.reason ?? e;
      if (timeout.signal.aborted) throw new GatewayUnreachableError(this.baseUrl, `no answer to ${method} /${path} within ${timeoutMs / 1000} s`, false);
      throw new GatewayUnreachableError(this.baseUrl, reasonOf(e));
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) throw this.explained(await this.httpError(method, `/${path}`, res));
    return res;
  }

  /** A refused key, or a missing one, says where the key comes from. */
  private explained(e: GatewayHttpError): GatewayHttpError {
    if (e.status !== 401 && e.status !== 403) return e;
    const hint = this.options.apiKey ? 'the API key was refused; check --key or GEOBATCH_API_KEY' : 'the gateway wants an API key: pass --key or set GEOBATCH_API_KEY';
    return new GatewayHttpError(e.method, e.path, e.status, `${e.serverMessage} (${hint})`, e.requestId);
  }

  /** What every request carries: the key, when there is one. */
  private headers(): Record<string, string> {
    return { accept: 'application/json, */*', ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) };
  }

  private async httpError(method: string, path: string, res: Response): Promise<GatewayHttpError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      // The body broke off: the status is all there is.
    }
    return errorFromBody(method, path, res.status, res.statusText, text, res.headers.get('x-request-id') ?? undefined);
  }

  private async json<T>(res: Response, what: string): Promise<T> {
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      if (this.options.signal?.aborted) throw this.options.signal.reason ?? e;
      throw new GatewayUnreachableError(this.baseUrl, `${what}: the answer broke off (${reasonOf(e)})`, false);
    }
    return parseJson<T>(text, `${what} answered ${res.status}`);
  }
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new GatewayProtocolError(`${what} with a body that is not JSON: ${text.slice(0, 120)}`);
  }
}

/** The gateway's `{statusCode, error, message, requestId}`, or whatever text came instead. */
function errorFromBody(method: string, path: string, status: number, statusText: string, text: string, requestIdHeader?: string): GatewayHttpError {
  let message = `${status} ${statusText}`.trim();
  let requestId = requestIdHeader;
  try {
    const body = JSON.parse(text) as Partial<ErrorResponseDto>;
    if (typeof body.message === 'string' && body.message) message = body.message;
    else if (Array.isArray(body.message)) message = (body.message as unknown[]).join('; ');
    if (typeof body.requestId === 'string') requestId = body.requestId;
  } catch {
    if (text.trim()) message = `${message}: ${text.trim().slice(0, 200)}`;
  }
  return new GatewayHttpError(method, path, status, message, requestId);
}
