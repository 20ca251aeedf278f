import { JobStatus, type SheetTotalsV1 } from '@geobatch/contracts';
import type { JobEntity, JobOptions } from '../job.entity';

/** A job row as the store hands it to the merger: running, sealed with `sheets`, not yet claimed. */
export function testJobEntity(id: string, uploadPath: string, sheets: SheetTotalsV1[], options: JobOptions): JobEntity {
  return {
    id,
    status: JobStatus.Running,
    fileName: 'points.csv',
    uploadPath,
    uploadSha256: 'x',
    options,
    sheets,
    totalChunks: sheets.reduce((n, s) => n + s.chunks, 0),
    error: null,
    resultPath: null,
    createdAt: new Date(),
    sealedAt: new Date(),
    mergeStartedAt: null,
    finishedAt: null,
    ownerKeyId: null,
    publishedChunks: null,
    estimatedRows: null,
    webhookDeliveredAt: null,
    webhookAttempts: 0,
    webhookNextAt: null,
    webhookLastError: null,
  };
}
