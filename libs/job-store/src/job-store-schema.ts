import { ApiKeyEntity } from './api-keys/api-key.entity';
import { ChunkResultEntity } from './chunk-result.entity';
import { JobEntity } from './job.entity';
import { CreateJobTables1767000001000 } from './migrations/1767000001000-create-job-tables';
import { ApiKeysAndJobOwners1767000003000 } from './migrations/1767000003000-api-keys-and-job-owners';
import { AddJobWebhookOutbox1767000004000 } from './migrations/1767000004000-add-job-webhook-outbox';
import { AddJobPublishWatermark1767000005000 } from './migrations/1767000005000-add-job-publish-watermark';
import { PackedChunkResults1767000006000 } from './migrations/1767000006000-packed-chunk-results';
import { ChunkResultsAsText1767000007000 } from './migrations/1767000007000-chunk-results-as-text';
import { AddJobEstimatedRows1767000009000 } from './migrations/1767000009000-add-job-estimated-rows';

/** Entities of the job tables (jobs, chunk results, API keys). */
export const JOB_STORE_ENTITIES = [JobEntity, ChunkResultEntity, ApiKeyEntity];

/** Migrations of the job tables, oldest first. */
export const JOB_STORE_MIGRATIONS = [CreateJobTables1767000001000, ApiKeysAndJobOwners1767000003000, AddJobWebhookOutbox1767000004000, AddJobPublishWatermark1767000005000, PackedChunkResults1767000006000, ChunkResultsAsText1767000007000, AddJobEstimatedRows1767000009000];
