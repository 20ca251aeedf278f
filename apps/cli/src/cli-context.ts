import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@geobatch/util-config';
import { hasGeoSchema, openGeoDataSource } from '@geobatch/geo-query';
import { CliEnvSchema } from './config/cli-env.schema';

/** A problem with the user's input or environment: printed as a message, without a stack. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
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
  ) {}

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
      throw new CliError(`cannot connect to the database ${redactUrl(url)}: ${(e as Error).message}`);
    }
    if (!(await hasGeoSchema(ds))) {
      await ds.destroy();
      throw new CliError(`the database ${redactUrl(url)} has no Geobatch tables yet: run the migrations first (npm run migrate)`);
    }
    return (this.ds = ds);
  }

  async close(): Promise<void> {
    await this.ds?.destroy();
    this.ds = undefined;
  }
}
