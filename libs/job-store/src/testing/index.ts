// Test support of the job store (never built): job options as the gateway records them, for fixtures.
export * from './job-store-test-schema';
export * from './test-job-entity';
import { randomUUID } from 'node:crypto';
import { uploadPlanOf, type SheetColumns, type UploadPlan } from '@geobatch/util-spreadsheet';
import type { JobOptions } from '../job.entity';

/** How a fixture's upload reads: CSV in UTF-8 with `,` unless given; every header on row 1. */
export interface TestUpload {
  kind?: UploadPlan['kind'];
  encoding?: UploadPlan['encoding'];
  delimiter?: UploadPlan['delimiter'];
  columns: SheetColumns[];
}

/** The upload plan a fixture's file would get at acceptance. */
export function testUploadPlan(o: TestUpload): UploadPlan {
  const kind = o.kind ?? 'csv';
  return uploadPlanOf(
    { kind, encoding: kind === 'csv' ? (o.encoding ?? 'utf-8') : null, delimiter: kind === 'csv' ? (o.delimiter ?? ',') : null },
    o.columns.map((c) => ({ ...c, headerRow: 1 })),
  );
}

/** One sheet's columns: x and y by 0-based index, found in the header. */
export function testColumns(sheet: number, name: string, x = 0, y = 1): SheetColumns {
  return { sheet, name, x, y, xName: 'x', yName: 'y', xBy: 'header', yBy: 'header' };
}

/** Complete job options for a fixture: one dataset, Korean XLSX output, the given upload (one CSV sheet by default). */
export function testJobOptions(over: Partial<JobOptions> = {}, upload: TestUpload = { columns: [testColumns(0, 'input')] }): JobOptions {
  return {
    x: 'auto',
    y: 'auto',
    crs: 'EPSG:4326',
    datasetIds: [randomUUID()],
    datasetLabels: ['test@1'],
    datasetFacts: [],
    sheet: null,
    lang: 'ko',
    format: 'xlsx',
    nearestM: 200,
    upload: testUploadPlan(upload),
    ...over,
  };
}
