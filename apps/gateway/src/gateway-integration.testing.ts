import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DataSource } from 'typeorm';
import { GEO_ENTITIES, GEO_MIGRATIONS, geoDataSourceOptions, runMigrationsExclusive } from '@geobatch/geo-query';
import { JOB_STORE_ENTITIES, JOB_STORE_MIGRATIONS } from '@geobatch/job-store';
import { loadConfig } from '@geobatch/util-config';
import type { JsonLogger } from '@geobatch/util-observability';
import { inSchema, openTestSchema, testEnv } from '@geobatch/util-testing';
import { GatewayEnvSchema } from './config/gateway-env.schema';
import { createGatewayApp } from './create-gateway-app';

/** The test database with `schema` first on the search path (see `openGatewaySchema`). */
export function gatewaySchemaUrl(schema: string): string {
  return inSchema(testEnv.TEST_DATABASE_URL, schema);
}

/**
 * Creates `schema` in the test database and migrates the gateway's tables (geo-query and job-store)
 * into it: a report-merger elsewhere on this database never sees these jobs. Drop it with `dropTestSchema`.
 */
export function openGatewaySchema(schema: string): Promise<DataSource> {
  return openTestSchema(schema, (url) => geoDataSourceOptions(url, { migrations: [...GEO_MIGRATIONS, ...JOB_STORE_MIGRATIONS], entities: [...GEO_ENTITIES, ...JOB_STORE_ENTITIES], poolSize: 2 }), {
    migrate: runMigrationsExclusive,
  });
}

/**
 * An in-process gateway on the test broker, listening on a free local port, with these settings
 * (DATABASE_URL and STORAGE_DIR at least); `base` is its URL.
 */
export async function startTestGateway(settings: Record<string, string>, logger: JsonLogger): Promise<{ app: NestExpressApplication; base: string }> {
  const config = loadConfig(GatewayEnvSchema, { KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','), ...settings });
  const app = await createGatewayApp(config, logger);
  await app.listen(0, '127.0.0.1');
  return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
