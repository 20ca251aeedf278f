import { buildZip, type ZipEntrySpec } from '@geobatch/util-testing';

// The ZIP builder itself is shared by every project's tests; the XLSX parts below build on it.
export { buildZip, type ZipEntrySpec } from '@geobatch/util-testing';

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An inline-string cell, `<c r="A1" t="inlineStr"><is><t>…</t></is></c>`. */
export function inlineCell(ref: string, text: string): string {
  return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(text)}</t></is></c>`;
}

export function numberCell(ref: string, value: number, style?: number): string {
  return `<c r="${ref}"${style === undefined ? '' : ` s="${style}"`}><v>${value}</v></c>`;
}

/**
 * A minimal XLSX written by hand (parts other writers produce but exceljs does not: inline
 * strings, odd part names, absolute targets), with optional entries that lie about their size.
 */
export function buildXlsx(options: {
  sheets: { name: string; rows: string; state?: string; target?: string }[];
  sharedStrings?: string[];
  /** Custom number formats by style index (1-based xf), e.g. `{ 1: 'yyyy-mm-dd' }`. */
  numFmts?: Record<number, string>;
  extra?: ZipEntrySpec[];
  sheetDeclaredSize?: number;
}): Buffer {
  const sheets = options.sheets.map((s, i) => ({ ...s, target: s.target ?? `worksheets/sheet${i + 1}.xml` }));
  const workbook =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets>` +
    sheets.map((s, i) => `<sheet name="${escapeXml(s.name)}" sheetId="${i + 1}"${s.state ? ` state="${s.state}"` : ''} r:id="rId${i + 1}"/>`).join('') +
    `</sheets></workbook>`;
  const rels = [
    ...sheets.map((s, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="${s.target}"/>`),
    `<Relationship Id="rIdS" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>`,
    `<Relationship Id="rIdY" Type="${REL_NS}/styles" Target="styles.xml"/>`,
  ];
  const fmts = Object.entries(options.numFmts ?? {});
  const styles =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="${MAIN_NS}">` +
    (fmts.length ? `<numFmts count="${fmts.length}">${fmts.map(([i, f]) => `<numFmt numFmtId="${163 + Number(i)}" formatCode="${escapeXml(f)}"/>`).join('')}</numFmts>` : '') +
    `<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>` +
    `<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
    `<cellXfs count="${fmts.length + 1}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
    fmts.map(([i]) => `<xf numFmtId="${163 + Number(i)}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`).join('') +
    `</cellXfs></styleSheet>`;
  const strings =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="${MAIN_NS}" count="${options.sharedStrings?.length ?? 0}">` +
    (options.sharedStrings ?? []).map((t) => `<si><t xml:space="preserve">${escapeXml(t)}</t></si>`).join('') +
    `</sst>`;
  return buildZip([
    { name: 'xl/workbook.xml', data: workbook },
    { name: 'xl/_rels/workbook.xml.rels', data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>` },
    { name: 'xl/styles.xml', data: styles },
    { name: 'xl/sharedStrings.xml', data: strings },
    ...sheets.map((s) => ({
      name: s.target.startsWith('/') ? s.target.slice(1) : `xl/${s.target}`,
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${MAIN_NS}"><sheetData>${s.rows}</sheetData></worksheet>`,
      declaredSize: options.sheetDeclaredSize,
    })),
    ...(options.extra ?? []),
  ]);
}
