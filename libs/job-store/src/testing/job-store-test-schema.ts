import type { DataSource } from 'typeorm';
import { openTestSchema } from '@geobatch/util-testing';
import { JOB_STORE_ENTITIES, JOB_STORE_MIGRATIONS } from '../job-store-schema';

/**
 * A schema of the suite's own in the test database with the job tables migrated into it, alone on
 * the search path: a service under test sees only this suite's jobs. Drop it with `dropTestSchema`.
 */
export function openJobStoreSchema(schema: string): Promise<DataSource> {
  return openTestSchema(schema, (url) => ({ type: 'postgres', url, entities: JOB_STORE_ENTITIES, migrations: JOB_STORE_MIGRATIONS, synchronize: false, logging: false }), {
    withPublic: false,
  });
}
