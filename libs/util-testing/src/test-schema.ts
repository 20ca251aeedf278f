import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { testEnv } from './test-env';

/**
 * `url` with `schema` first on the search path, so a suite's tables live apart from every other
 * suite's (and from services elsewhere on the database); PostGIS stays reachable in `public` unless
 * `withPublic` is false.
 */
export function inSchema(url: string, schema: string, withPublic = true): string {
  const searchPath = withPublic ? `${schema},public` : schema;
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${searchPath}`)}`;
}

/** Creates an empty schema in the test database (the suite drops it, CASCADE, when it ends). */
export async function createTestSchema(schema: string, databaseUrl = testEnv.TEST_DATABASE_URL): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
}

/**
 * Creates `schema` in the test database and opens a migrated data source on it: `options` are
 * the suite's tables on the URL it is given (the schema first on the search path). Drop it with
 * `dropTestSchema`.
 */
export async function openTestSchema(
  schema: string,
  options: (url: string) => DataSourceOptions,
  how: { withPublic?: boolean; migrate?: (db: DataSource) => Promise<unknown> } = {},
): Promise<DataSource> {
  await createTestSchema(schema);
  const db = await new DataSource(options(inSchema(testEnv.TEST_DATABASE_URL, schema, how.withPublic ?? true))).initialize();
  await (how.migrate ?? ((d: DataSource) => d.runMigrations()))(db);
  return db;
}

/** Drops a schema `openTestSchema` made and closes its data source (nothing when it never opened). */
export async function dropTestSchema(db: DataSource | undefined, schema: string): Promise<void> {
  if (!db?.isInitialized) return;
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.destroy();
}
