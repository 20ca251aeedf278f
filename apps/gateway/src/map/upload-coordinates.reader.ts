import { Inject, Injectable } from '@nestjs/common';
import type { JobEntity } from '@geobatch/job-store';
import { cellText, openPlannedUpload, type CellValue } from '@geobatch/util-spreadsheet';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';

/** A row's raw coordinates as the upload holds them, and its row number as a spreadsheet shows it. */
export interface RawCoordinates {
  row: number;
  x: string | null;
  y: string | null;
}

function text(cells: readonly CellValue[], index: number): string | null {
  const v = cells[index];
  return v === undefined || v === null ? null : cellText(v);
}

/**
 * Reads x/y back from a job's stored upload. The row results keep no coordinates (only they
 * travel over Kafka, and only one way), so the map opens the upload as the job planned it, the
 * one way the publisher and the merger open it too, and so sees the very same rows.
 */
@Injectable()
export class UploadCoordinatesReader {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  /**
   * The coordinates of the wanted rows (`wanted`: per sheet index, data row numbers), keyed
   * `sheet:n`. Each sheet is read only as far as its last wanted row.
   */
  async read(job: Pick<JobEntity, 'uploadPath' | 'options'>, wanted: ReadonlyMap<number, ReadonlySet<number>>): Promise<Map<string, RawCoordinates>> {
    const plan = job.options.upload;
    const file = await openPlannedUpload(this.config.STORAGE_DIR, job.uploadPath, plan);
    const found = new Map<string, RawCoordinates>();
    for (const planned of plan.sheets) {
      const rows = wanted.get(planned.sheet);
      const sheet = file.sheets.find((s) => s.index === planned.sheet);
      if (!rows?.size || !sheet) continue;
      let last = 0;
      for (const n of rows) last = Math.max(last, n);
      for await (const r of sheet.rows()) {
        if (rows.has(r.n)) found.set(`${planned.sheet}:${r.n}`, { row: r.row, x: text(r.cells, planned.x), y: text(r.cells, planned.y) });
        if (r.n >= last) break;
      }
    }
    return found;
  }
}
