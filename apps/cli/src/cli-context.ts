import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@geobatch/util-config';
import { hasGeoSchema, openGeoDataSource } from '@geobatch/geo-query';
import { CliEnvSchema } from './config/cli-env.schema';
import { ExitCode } from './exit-codes';
import { GatewayClient } from './gateway/gateway-client';

/** A problem with the user's input or environment: printed as a message, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Ctrl-C while a command waited: the message says what was left running and how to pick it up again. */
export class InterruptedError extends Error {
  readonly exitCode = ExitCode.Interrupted;
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptedError';
  }
}

/** Where SIGINT comes from: the process, or an emitter in tests. */
export interface SignalSource {
  once(event: 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGINT', listener: () => void): unknown;
}

export interface CliContextOptions {
  /** Where progress bars are drawn; `isTTY` chooses between a bar and plain lines. */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  signals?: SignalSource;
  /** How a user runs the CLI, for the commands the CLI suggests. */
  invocation?: string;
  /** Where to look for a key when none is given (`npm run stack` writes one); null: nowhere. Default: DEV_KEY_FILE under the current directory. */
  devKeyFile?: string | null;
}

/** Where `npm run stack` writes the development admin key, relative to the repository root. */
export const DEV_KEY_FILE = join('.geobatch', 'dev-api-key');

/** `--url`/`--key` as given on the command line. */
export interface GatewayFlags {
  url?: string;
  key?: string;
}

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The connection string without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** What commands share: configuration, output and a lazily opened database connection. */
export class CliContext {
  private cfg?: Readonly<CliEnvSchema>;
  private ds?: DataSource;

  constructor(
    readonly output: Output = {
      out: (t) => process.stdout.write(t + '\n'),
      err: (t) => process.stderr.write(t + '\n'),
    },
    private readonly env?: Record<string, string | undefined>,
    private readonly options: CliContextOptions = {},
  ) {}

  get stdout(): NodeJS.WritableStream & { isTTY?: boolean } {
    return this.options.stdout ?? process.stdout;
  }

  /** `npm run cli --`: the prefix of the commands printed as hints. */
  get invocation(): string {
    return this.options.invocation ?? 'npm run cli --';
  }

  /** The gateway client for `--url`/`--key`, falling back to GEOBATCH_URL/GEOBATCH_API_KEY, then to the `npm run stack` key. */
  gateway(flags: GatewayFlags): GatewayClient {
    const url = flags.url ?? this.config().GEOBATCH_URL;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliError(`--url ${url} is not a URL; give the gateway's base URL, e.g. http://127.0.0.1:3000`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(`--url ${url}: only http:// and https:// gateways are supported`);
    if (parsed.username || parsed.password) throw new CliError(`--url ${parsed.host}: give the API key with --key or GEOBATCH_API_KEY, not in the URL`);
    const key = flags.key ?? this.config().GEOBATCH_API_KEY ?? this.devKey();
    if (key !== undefined && (key === '' || /[\s\u0000-\u001f\u007f]/.test(key))) throw new CliError('the API key is empty or holds spaces or control characters');
    return new GatewayClient(parsed.toString(), { apiKey: key });
  }

  /** The key `npm run stack` left for development, when there is one (npm runs the CLI from the repository root). */
  private devKey(): string | undefined {
    const file = this.options.devKeyFile === undefined ? resolve(process.cwd(), DEV_KEY_FILE) : this.options.devKeyFile;
    if (file === null) return undefined;
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Runs `work` with a signal that Ctrl-C aborts; an interrupted `work` ends in an
   * {@link InterruptedError}. Outside it, Ctrl-C has its default effect.
   */
  async interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signals = this.options.signals ?? process;
    const controller = new AbortController();
    const onSigint = () => controller.abort(new InterruptedError());
    signals.once('SIGINT', onSigint);
    try {
      return await work(controller.signal);
    } catch (e) {
      // Whatever broke off (a fetch, a sleep) broke off because of Ctrl-C; a command's own InterruptedError says more.
      if (controller.signal.aborted && !(e instanceof InterruptedError)) throw controller.signal.reason;
      throw e;
    } finally {
      signals.off('SIGINT', onSigint);
    }
  }

  /** Loaded on first use, so `--help` works whatever the environment. */
  config(): Readonly<CliEnvSchema> {
    this.cfg ??= loadConfig(CliEnvSchema, this.env);
    return this.cfg;
  }

  /** An input path as the user meant it: relative to where they ran `npm run`. */
  path(p: string): string {
    return resolve(this.config().INIT_CWD ?? process.cwd(), p);
  }

  async dataSource(): Promise<DataSource> {
    if (this.ds) return this.ds;
    const url = this.config().DATABASE_URL;
    let ds: DataSource;
    try {
      ds = await openGeoDataSource(url, 2);
    } catch (e) {
      throw new CliError(`cannot connect to the database ${redactUrl(url)}: ${(e as Error).message}`, ExitCode.Unavailable);
    }
    if (!(await hasGeoSchema(ds))) {
      await ds.destroy();
      throw new CliError(`the database ${redactUrl(url)} has no Geobatch tables yet: run the migrations first (npm run migrate)`, ExitCode.Unavailable);
    }
    return (this.ds = ds);
  }

  async close(): Promise<void> {
    await this.ds?.destroy();
    this.ds = undefined;
  }
}
