import { DataSource, type DataSourceOptions } from 'typeorm';
import { GEO_ENTITIES, GEO_MIGRATIONS } from './geo-schema';

/** Advisory-lock key serialising migration runs of every process sharing a database. */
export const MIGRATIONS_LOCK_KEY = 7_670_000_001;

/** DataSource options for the geo tables: migrations only, never synchronize. */
export function geoDataSourceOptions(
  url: string,
  extra: { poolSize?: number; migrations?: DataSourceOptions['migrations']; entities?: DataSourceOptions['entities'] } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: extra.entities ?? GEO_ENTITIES,
    migrations: extra.migrations ?? GEO_MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // The migrations own every DDL statement, extensions included.
    installExtensions: false,
    poolSize: extra.poolSize ?? 4,
    logging: false,
  };
}

/** Opens a DataSource on the geo tables without touching the schema. */
export async function openGeoDataSource(url: string, poolSize?: number): Promise<DataSource> {
  return new DataSource(geoDataSourceOptions(url, { poolSize })).initialize();
}

/**
 * Runs the DataSource's pending migrations while holding an advisory lock, so processes that
 * start together (services, test files) never race on the same DDL. Returns the names applied.
 */
export async function runMigrationsExclusive(ds: DataSource): Promise<string[]> {
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK_KEY]);
    const applied = await ds.runMigrations({ transaction: 'all' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}

/** True when the geo tables exist (the migrations have run). */
export async function hasGeoSchema(ds: DataSource): Promise<boolean> {
  const rows: { ok: boolean }[] = await ds.query(`SELECT to_regclass('dataset') IS NOT NULL AS ok`);
  return rows[0]?.ok === true;
}
