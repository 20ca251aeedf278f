// Applies every pending TypeORM migration of the geo and job stores (`npm run migrate`).
// Services never migrate on start-up; the stack script, the tests and the compose
// `migrate` service run this once before any service starts.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { GEO_ENTITIES, GEO_MIGRATIONS, runMigrationsExclusive } from '@geobatch/geo-query';
import { JOB_STORE_ENTITIES, JOB_STORE_MIGRATIONS } from '@geobatch/job-store';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';

/** One data source over both stores, so migrations apply in one timestamp order. */
export function migrationDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [...GEO_ENTITIES, ...JOB_STORE_ENTITIES],
    migrations: [...GEO_MIGRATIONS, ...JOB_STORE_MIGRATIONS],
    synchronize: false,
    migrationsTransactionMode: 'each',
    logging: ['error'],
  });
}

async function main(): Promise<void> {
  const url = process.argv[2] ?? loadConfig(CommonEnvSchema).DATABASE_URL;
  const ds = await migrationDataSource(url).initialize();
  try {
    // Under an advisory lock: concurrent set-ups (a test run beside `npm run stack`) do not race.
    const applied = await runMigrationsExclusive(ds);
    const where = url.replace(/\/\/[^@/]*@/, '//');
    console.error(`[migrate] ${where}: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`);
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`[migrate] failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
