import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { EntitySchema } from 'typeorm';

/** Where a store's tables are: the app's validated DATABASE_URL and DATABASE_POOL_SIZE. */
export interface DatabaseSettings {
  url: string;
  /** Connections of the one pool the process opens. */
  poolSize: number;
}

/** The database settings of an app's validated config (every app schema extends CommonEnvSchema). */
export function databaseSettings(config: { readonly DATABASE_URL: string; readonly DATABASE_POOL_SIZE: number }): DatabaseSettings {
  return { url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE };
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityClass = Function | EntitySchema;

interface Pool {
  module: DynamicModule;
  entities: Set<EntityClass>;
}

/** One root TypeORM module per settings, so the stores of one app share one pool. */
const pools = new Map<string, Pool>();

/**
 * The TypeORM root module of the pool for `settings`, with `entities` registered on it. Called by
 * each store module's `forRoot`: equal settings give the very same module object, which Nest
 * imports once, so an app that uses two stores (the gateway) opens one pool that knows both
 * stores' entities. The schema belongs to the migrations (`npm run migrate`), never to an app:
 * no synchronize, no migrationsRun, no extension installed.
 */
export function postgresConnection(settings: DatabaseSettings, entities: readonly EntityClass[]): DynamicModule {
  const key = JSON.stringify([settings.url, settings.poolSize]);
  let pool = pools.get(key);
  if (!pool) {
    const registered = new Set<EntityClass>();
    pool = {
      entities: registered,
      module: TypeOrmModule.forRootAsync({
        // Read when the app starts, after every store has registered its entities.
        useFactory: () => ({
          type: 'postgres' as const,
          url: settings.url,
          poolSize: settings.poolSize,
          entities: [...registered],
          synchronize: false,
          migrationsRun: false,
          installExtensions: false,
          logging: false,
          // Fail start-up after ~10 s instead of Nest's default 9 × 3 s, so a wrong DATABASE_URL shows quickly.
          retryAttempts: 3,
          retryDelay: 2_000,
        }),
      }),
    };
    pools.set(key, pool);
  }
  for (const entity of entities) pool.entities.add(entity);
  return pool.module;
}
