import { ChunkResultEntity } from './chunk-result.entity';
import { JobEntity } from './job.entity';
import { CreateJobTables1767000001000 } from './migrations/1767000001000-create-job-tables';
import { PackedChunkResults1767000006000 } from './migrations/1767000006000-packed-chunk-results';

export * from './job.entity';
export * from './chunk-result.entity';
export * from './job.repository';

export const JOB_STORE_ENTITIES = [JobEntity, ChunkResultEntity];
export const JOB_STORE_MIGRATIONS = [CreateJobTables1767000001000, PackedChunkResults1767000006000];
