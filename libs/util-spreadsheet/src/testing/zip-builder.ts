import { crc32, deflateRawSync } from 'node:zlib';

/** Test helper: builds ZIP archives byte by byte, including ones that lie about their sizes. */
export interface ZipEntrySpec {
  name: string;
  data: Buffer | string;
  /** Store instead of deflate. */
  store?: boolean;
  /** Uncompressed size written in the headers instead of the real one (a lying zip bomb). */
  declaredSize?: number;
}

export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
    const body = e.store ? raw : deflateRawSync(raw);
    const name = Buffer.from(e.name, 'utf8');
    const size = e.declaredSize ?? raw.length;
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(e.store ? 0 : 8, 8);
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(e.store ? 0 : 8, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

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
