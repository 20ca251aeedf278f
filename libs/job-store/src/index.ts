// Jobs, their chunk results, webhooks and API keys in PostgreSQL: entities, migrations, repositories and the Nest module that provides them.

export * from './job.entity';
export * from './chunk-result.entity';
export * from './job.repository';
export * from './api-keys/api-key.entity';
export * from './api-keys/api-key.repository';
export * from './job-webhook.repository';
export * from './job-status.cache';
export * from './job-store-schema';
export * from './job-store.module';
