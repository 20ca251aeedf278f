import { buildZip } from '@geobatch/util-testing';

/**
 * XLSX files laid out as openpyxl and xlsxwriter write them (test code only): `[Content_Types].xml`,
 * shared strings (`t="s"`) or inline strings (`t="inlineStr"`), a `<dimension>` before
 * `<sheetData>`, `<mergeCells>` after it, dates as serial numbers with a date style.
 */

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';

/** A cell: text, a number, a date (UTC, written as an Excel serial with a `yyyy-mm-dd` style), or empty. */
export type OfficeCell = string | number | Date | null;

export interface OfficeSheet {
  name: string;
  /** Rows from row 1 on; an empty array is an empty row (left out of `<sheetData>`, as openpyxl does). */
  rows: OfficeCell[][];
  /** Merged ranges, e.g. `A1:H1`. */
  merges?: string[];
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function letters(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function serial(d: Date): number {
  return 25569 + d.getTime() / 86_400_000;
}

function sheetXml(sheet: OfficeSheet, text: (ref: string, s: string) => string): string {
  let maxCol = 1;
  let maxRow = 1;
  const rows = sheet.rows
    .map((cells, i) => {
      const r = i + 1;
      const xml = cells
        .map((v, c) => {
          if (v === null || v === '') return '';
          const ref = `${letters(c + 1)}${r}`;
          maxCol = Math.max(maxCol, c + 1);
          maxRow = r;
          if (typeof v === 'string') return text(ref, v);
          if (v instanceof Date) return `<c r="${ref}" s="1"><v>${serial(v)}</v></c>`;
          return `<c r="${ref}"><v>${v}</v></c>`;
        })
        .join('');
      return xml === '' ? '' : `<row r="${r}">${xml}</row>`;
    })
    .join('');
  const merges = sheet.merges?.length ? `<mergeCells count="${sheet.merges.length}">${sheet.merges.map((m) => `<mergeCell ref="${m}"/>`).join('')}</mergeCells>` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    `<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr><dimension ref="A1:${letters(maxCol)}${maxRow}"/>` +
    `<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>` +
    `<sheetData>${rows}</sheetData>${merges}<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>`
  );
}

/** A workbook of `sheets`, strings shared (openpyxl, xlsxwriter's default) or inline (xlsxwriter's constant-memory mode, many exporters). */
export function buildOfficeXlsx(sheets: OfficeSheet[], strings: 'shared' | 'inline' = 'shared'): Buffer {
  const shared: string[] = [];
  const index = new Map<string, number>();
  const text = (ref: string, s: string) => {
    if (strings === 'inline') return `<c r="${ref}" t="inlineStr"><is><t>${esc(s)}</t></is></c>`;
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = shared.push(s) - 1));
    return `<c r="${ref}" t="s"><v>${i}</v></c>`;
  };
  const parts = sheets.map((s, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: sheetXml(s, text) }));
  const sst = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="${MAIN_NS}" uniqueCount="${shared.length}">${shared.map((s) => `<si><t>${esc(s)}</t></si>`).join('')}</sst>`;
  const styles =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="${MAIN_NS}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>` +
    `<fonts count="1"><font><name val="Calibri"/><family val="2"/><sz val="11"/></font></fonts><fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
    `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
    `<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" pivotButton="0" quotePrefix="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" pivotButton="0" quotePrefix="0" xfId="0"/></cellXfs>` +
    `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;
  const workbook =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>` +
    sheets.map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}" state="visible" r:id="rId${i + 1}"/>`).join('') +
    `</sheets></workbook>`;
  const rels =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${PKG_REL_NS}">` +
    sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="/xl/worksheets/sheet${i + 1}.xml"/>`).join('') +
    (strings === 'shared' ? `<Relationship Id="rIdS" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>` : '') +
    `<Relationship Id="rIdY" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`;
  const types =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
    `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
    parts.map((p) => `<Override PartName="/${p.name}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
    `</Types>`;
  return buildZip([
    { name: '[Content_Types].xml', data: types },
    { name: '_rels/.rels', data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>` },
    { name: 'xl/workbook.xml', data: workbook },
    { name: 'xl/_rels/workbook.xml.rels', data: rels },
    { name: 'xl/styles.xml', data: styles },
    ...(strings === 'shared' ? [{ name: 'xl/sharedStrings.xml', data: sst }] : []),
    ...parts,
  ]);
}

export const REPORT_TITLE = '과속 상세내역 (2024년 4월)';
export const REPORT_PRINTED = '출력일시: 2024-05-02 09:00';
export const REPORT_HEADER = ['업체명', '차량번호', '일자', '경도', '위도', '속도'];

/**
 * The Korean office export: a title merged over the table's width (row 1), a print-date line
 * merged too (row 2), a blank row, the header on row 4, one data row per point from row 5 on with
 * its date as a date cell, then a 합계 row (no coordinates, the speeds summed). `header`: other
 * header names (e.g. ones no rule knows, so only the values tell).
 */
export function officeReport(points: readonly { x: number; y: number }[], header: readonly string[] = REPORT_HEADER): OfficeSheet {
  const data = points.map((p, i): OfficeCell[] => [`업체${(i % 3) + 1}`, `서울12가${1000 + i}`, new Date(Date.UTC(2024, 3, 1 + (i % 28))), p.x, p.y, 60 + i]);
  const speeds = data.reduce((n, r) => n + (r[5] as number), 0);
  return {
    name: '과속 상세내역',
    rows: [[REPORT_TITLE], [REPORT_PRINTED], [], [...header], ...data, ['합계', '', '', '', '', speeds]],
    merges: ['A1:F1', 'A2:F2'],
  };
}

/** A sheet with only text, no coordinates (the notes sheets office workbooks carry). */
export const NOTES_SHEET: OfficeSheet = { name: '안내', rows: [['※ 유의사항'], ['좌표는 WGS84 경위도입니다.'], [], ['문의: 교통안전과']] };
