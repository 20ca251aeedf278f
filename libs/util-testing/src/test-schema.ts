import { Client } from 'pg';
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
