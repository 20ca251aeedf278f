import type ExcelJS from 'exceljs';
import type { OutputLang } from '@geobatch/contracts';
import { HEADER_BORDER, HEADER_FONT, ORIGINAL_HEADER_FILL, TEXT_FORMAT } from './result-workbook-styles';

/** A 합계 row of the input, written back unchanged: its sheet and row number as in the input. */
export interface TotalRowRef {
  sheet: string;
  row: number;
}

/**
 * The `요약` block that counts and names the 합계 rows (written back without a status, counted
 * neither as data nor as problems), from `nextRow` on; nothing when there is none. Returns the next free row.
 */
export function writeTotalRowsBlock(sheet: ExcelJS.Worksheet, nextRow: number, totals: readonly TotalRowRef[], lang: OutputLang): number {
  if (totals.length === 0) return nextRow;
  const en = lang === 'en';
  let r = nextRow + 1;
  const line = (values: (string | number)[], head = false) => {
    const row = sheet.getRow(r++);
    values.forEach((v, i) => {
      const cell = row.getCell(i + 1);
      cell.value = v;
      if (i === 0 && !head) cell.numFmt = TEXT_FORMAT;
      if (head) Object.assign(cell, { font: HEADER_FONT, fill: ORIGINAL_HEADER_FILL, border: HEADER_BORDER });
    });
    row.commit();
  };
  line([en ? 'Total rows' : '합계 행', en ? 'Rows' : '행 수'], true);
  line([en ? 'Total rows (kept, not geocoded)' : '합계 행 (그대로 둠, 변환 안 함)', totals.length]);
  line([en ? 'Sheet' : '시트', en ? 'Row' : '행'], true);
  for (const t of totals) line([t.sheet, t.row]);
  return r;
}
