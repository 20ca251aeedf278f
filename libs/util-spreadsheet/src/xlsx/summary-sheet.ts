import type ExcelJS from 'exceljs';
import { datasetFactLines, type OutputLang } from '@geobatch/contracts';
import type { ResultSummary } from '../result/result-summary';
import type { CellValue } from '../tabular/cell-value';
import { EXCEL_MAX_CELL_CHARS } from './excel-limits';
import { HEADER_BORDER, HEADER_FONT, ORIGINAL_HEADER_FILL, TEXT_FORMAT } from './result-workbook-styles';

const SUMMARY_WIDTHS = [22, 40, 12, 12, 12, 12];

/**
 * Writes the rows of the `요약` sheet (`Summary`): totals, counts by status and by 시도 / 시군구,
 * datasets and options. Returns the next free row number.
 */
export function writeSummaryRows(sheet: ExcelJS.Worksheet, summary: ResultSummary, lang: OutputLang): number {
  SUMMARY_WIDTHS.forEach((w, i) => (sheet.getColumn(i + 1).width = w));
  let nextRow = 1;
  const line = (values: CellValue[], style: 'title' | 'head' | 'plain' = 'plain', textColumns: number[] = []) => {
    const row = sheet.getRow(nextRow++);
    values.forEach((v, i) => {
      const cell = row.getCell(i + 1);
      if (v !== null && v !== '') cell.value = typeof v === 'string' ? v.slice(0, EXCEL_MAX_CELL_CHARS) : v;
      if (textColumns.includes(i)) cell.numFmt = TEXT_FORMAT;
      if (style !== 'plain') cell.font = HEADER_FONT;
      if (style === 'head') {
        cell.fill = ORIGINAL_HEADER_FILL;
        cell.border = HEADER_BORDER;
      }
    });
    row.commit();
  };
  const gap = () => void nextRow++;
  summaryHead(line, gap, summary, lang);
  summaryCounts(line, gap, summary, lang === 'en');
  return nextRow;
}

type Line = (values: CellValue[], style?: 'title' | 'head' | 'plain', textColumns?: number[]) => void;

/** Title, file, job, datasets with their facts, and the job's options. */
function summaryHead(line: Line, gap: () => void, summary: ResultSummary, lang: OutputLang): void {
  const en = lang === 'en';
  line([en ? 'Geobatch summary' : 'Geobatch 주소 변환 요약'], 'title');
  gap();
  line([en ? 'Item' : '항목', en ? 'Value' : '값'], 'head');
  line([en ? 'File' : '파일', summary.fileName]);
  line([en ? 'Job' : '작업 ID', summary.jobId]);
  line([en ? 'Datasets' : '데이터셋', summary.datasets.join(', ')]);
  for (const facts of summary.datasetFacts ?? []) {
    for (const [what, value] of datasetFactLines(facts, lang)) line([`${en ? 'Dataset' : '데이터셋'} ${facts.label} ${what}`, value]);
  }
  for (const [label, value] of summary.options) line([`${en ? 'Option' : '옵션'} ${label}`, value]);
}

/** Rows by total, status, sheet, 시도, 시군구 and (dated jobs) boundary version. */
function summaryCounts(line: Line, gap: () => void, summary: ResultSummary, en: boolean): void {
  gap();
  line([en ? 'Rows' : '구분', en ? 'Rows' : '행 수'], 'head');
  line([en ? 'Total' : '전체', summary.total]);
  line(['OK', summary.ok]);
  line([en ? 'Problems' : '문제', summary.problems]);
  line([en ? 'Blank' : '빈 행', summary.blank]);
  gap();
  line([en ? 'Status' : '상태', en ? 'Rows' : '행 수'], 'head');
  for (const [status, count] of summary.byStatus) line([status, count]);
  gap();
  line(en ? ['Sheet', 'Output sheets', 'Total', 'OK', 'Problems', 'Blank'] : ['시트', '출력 시트', '전체', 'OK', '문제', '빈 행'], 'head');
  for (const s of summary.sheets) line([s.name, s.outputSheets.join(', '), s.total, s.ok, s.problems, s.blank], 'plain', [0]);
  gap();
  line(en ? ['SidoCode', 'Sido', 'Rows'] : ['시도코드', '시도', '행 수'], 'head');
  for (const a of summary.bySido) line([a.code, a.name, a.count], 'plain', [0]);
  gap();
  line(en ? ['SigunguCode', 'Sigungu', 'Rows'] : ['시군구코드', '시군구', '행 수'], 'head');
  for (const a of summary.bySigungu) line([a.code, a.name, a.count], 'plain', [0]);
  // Jobs with a date column: rows per answering version of each dataset's series.
  if (summary.byVersion && summary.byVersion.length > 0) {
    gap();
    line(en ? ['Dataset', 'BoundaryVersion', 'Rows'] : ['데이터셋', '경계 버전', '행 수'], 'head');
    for (const v of summary.byVersion) line([summary.datasets[v.group] ?? String(v.group + 1), v.version, v.count], 'plain', [1]);
  }
}
