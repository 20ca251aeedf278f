import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { buildZip, mulberry32, readZip, type ZipEntrySpec } from '@geobatch/util-testing';

/**
 * Broken uploads for the fuzz test, generated deterministically from the sample inputs: byte flips,
 * truncations, binary junk, wrong and mixed encodings, NUL bytes, XLSX with formula cells, broken
 * shared strings, corrupted or lying ZIP entries, entity bombs, and a few giants (a 100 MB single
 * line, a row of 1,000,000 empty columns).
 */
export interface FuzzInput {
  /** Which generator made it, with its variant number: shown when an assertion fails. */
  label: string;
  fileName: string;
  data: Buffer;
  /** Extra form fields (e.g. a wrong `encoding`). */
  fields?: Record<string, string>;
}


export interface FuzzSamples {
  utf8Csv: string;
  cp949Csv: string;
  xlsx: string;
}

/**
 * At least `count` broken inputs (plus the two giants when `giants`), the same ones for the same seed.
 */
export function fuzzInputs(samples: FuzzSamples, count: number, seed: number, giants = true): FuzzInput[] {
  const rand = mulberry32(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const csv = readFileSync(samples.utf8Csv);
  const csvText = csv.toString('utf8');
  const cp949 = readFileSync(samples.cp949Csv);
  const xlsx = readFileSync(samples.xlsx);
  const parts = readZip(xlsx);
  const part = (name: string) => parts.find((p) => p.name === name)!.data.toString('utf8');
  const sheet2 = part('xl/worksheets/sheet2.xml');
  const sst = part('xl/sharedStrings.xml');
  const lines = csvText.split('\n');

  const flip = (buf: Buffer, flips: number): Buffer => {
    const out = Buffer.from(buf);
    for (let i = 0; i < flips && out.length > 0; i++) out[int(out.length)] = int(256);
    return out;
  };
  const truncate = (buf: Buffer) => buf.subarray(0, int(buf.length));
  /** The sample workbook with some parts replaced (undefined drops a part). */
  const workbook = (replace: Record<string, string | Buffer | undefined>, extra: Partial<ZipEntrySpec> & { target?: string } = {}) =>
    buildZip(
      parts
        .filter((p) => !(p.name in replace) || replace[p.name] !== undefined)
        .map((p) => {
          const data = p.name in replace ? replace[p.name]! : p.data;
          const entry = { name: p.name, data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8') };
          return extra.target === p.name ? { ...entry, store: extra.store, declaredSize: extra.declaredSize, corrupt: extra.corrupt } : entry;
        }),
    );
  /** Rewrites some `<c>` cells of the data sheet with `f`. */
  const mutateCells = (xml: string, share: number, f: (cell: string, ref: string) => string) =>
    xml.replace(/<c r="([A-Z]+\d+)"[^>]*>.*?<\/c>/g, (cell, ref: string) => (rand() < share ? f(cell, ref) : cell));

  const csvMutations: ((v: number) => FuzzInput)[] = [
    (v) => ({ label: `csv-flip-${v}`, fileName: 'flip.csv', data: flip(csv, 1 + int(40)) }),
    (v) => ({ label: `csv-truncated-${v}`, fileName: 'cut.csv', data: truncate(csv) }),
    (v) => ({ label: `cp949-flip-${v}`, fileName: 'flip.csv', data: flip(cp949, 1 + int(20)) }),
    (v) => ({ label: `cp949-truncated-${v}`, fileName: 'cut.csv', data: truncate(cp949) }),
    (v) => {
      const out = Buffer.from(csv);
      for (let i = 0; i < 1 + int(5); i++) out[int(out.length)] = 0;
      return { label: `csv-nul-${v}`, fileName: 'nul.csv', data: out };
    },
    (v) => {
      const enc = pick(['utf16le', 'utf16be'] as const);
      const bom = rand() < 0.5;
      const body = iconv.encode(csvText, enc, { addBOM: bom });
      return { label: `csv-${enc}${bom ? '-bom' : ''}-${v}`, fileName: 'utf16.csv', data: rand() < 0.3 ? truncate(body) : body };
    },
    (v) => ({ label: `cp949-as-utf8-${v}`, fileName: 'wrong.csv', data: cp949, fields: { encoding: pick(['utf-8', 'utf-16le', 'auto']) } }),
    (v) => ({ label: `utf8-as-cp949-${v}`, fileName: 'wrong.csv', data: csv, fields: { encoding: pick(['cp949', 'euc-kr', 'utf-16le']) } }),
    (v) => {
      // Every other line re-encoded: a file no single encoding reads.
      const mixed = Buffer.concat(lines.map((l, i) => (i % 2 === 1 ? iconv.encode(`${l}\n`, 'cp949') : Buffer.from(`${l}\n`))));
      return { label: `csv-mixed-encoding-${v}`, fileName: 'mixed.csv', data: mixed };
    },
    (v) => {
      const formulas = ['=1+1', '=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", '@SUM(1)', '-2+3', '=127.0', '"=A1"', "'=x"];
      const out = lines.map((l, i) => (i > 0 && rand() < 0.3 ? l.split(',').map((c) => (rand() < 0.4 ? pick(formulas) : c)).join(',') : l));
      return { label: `csv-formulas-${v}`, fileName: 'formula.csv', data: Buffer.from(out.join('\n')) };
    },
    (v) => {
      const odd = ['"', '""', '"a"b', '\r', '\t', ';', 'NaN', 'Infinity', '1e309', '-0', '0x7f', '１２７.０', '127,5', ' ', '\u00a0', '\u2028', '😀', '\ud800'];
      const out = lines.map((l, i) => (i > 0 && rand() < 0.3 ? l.split(',').map((c) => (rand() < 0.3 ? pick(odd) : c)).join(pick([',', ',', ';', '\t'])) : l));
      return { label: `csv-odd-cells-${v}`, fileName: 'odd.csv', data: Buffer.from(out.join(pick(['\n', '\r\n', '\r']))) };
    },
    (v) => {
      // Lines dropped, duplicated, cut short or padded with extra cells.
      const out: string[] = [];
      for (const l of lines) {
        const r = rand();
        if (r < 0.1) continue;
        if (r < 0.2) out.push(l, l);
        else if (r < 0.3) out.push(l.slice(0, int(l.length + 1)));
        else if (r < 0.4) out.push(`${l}${',x'.repeat(1 + int(50))}`);
        else out.push(l);
      }
      return { label: `csv-ragged-${v}`, fileName: 'ragged.csv', data: Buffer.from(out.join('\n')) };
    },
    (v) => {
      const shapes: [string, string][] = [
        ['empty', ''],
        ['bom-only', '\ufeff'],
        ['header-only', `${lines[0]}`],
        ['header-only-newline', `${lines[0]}\n`],
        ['header-only-bom', `\ufeff${lines[0]}\n`],
        ['blank-lines', '\n\n\n\n'],
        ['header-then-blanks', `${lines[0]}\n\n\n,,,,\n`],
        ['one-column', 'lon\n127\n128\n'],
        ['no-header-numbers', '127.1,37.1\n127.2,37.2\n'],
        ['quote-never-closed', `${lines[0]}\n"testse01,127,37\n${lines.slice(1, 20).join('\n')}`],
        ['duplicate-headers', 'x,x,y,y\n127,127,37,37\n'],
        ['header-empty-names', ',,,\n127,37,1,2\n'],
        ['wide-header', `${Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',')}\n${Array.from({ length: 10_000 }, (_, i) => i).join(',')}\n`],
        ['long-cell', `lon,lat,memo\n127,37,${'가'.repeat(400_000)}\n`],
        ['long-coordinate', `lon,lat\n${'1'.repeat(300_000)},37\n`],
        ['html', '<!doctype html><html><body><table><tr><td>127</td><td>37</td></tr></table></body></html>'],
        ['json', JSON.stringify([{ lon: 127, lat: 37 }])],
        ['only-delimiters', ',,,,,,\n,,,,,,\n;;;;\n'],
      ];
      const [name, text] = shapes[v % shapes.length];
      return { label: `csv-shape-${name}-${v}`, fileName: 'shape.csv', data: Buffer.from(text, 'utf8') };
    },
  ];

  const binaryMutations: ((v: number) => FuzzInput)[] = [
    (v) => ({ label: `junk-${v}`, fileName: pick(['junk.csv', 'junk.xlsx', 'junk.bin', 'junk']), data: Buffer.from(Array.from({ length: int(65_536) }, () => int(256))) }),
    (v) => {
      const magic = pick([Buffer.from('PK\x03\x04'), Buffer.from('%PDF-1.7\n'), Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.from('PK\x05\x06')]);
      return { label: `junk-magic-${v}`, fileName: pick(['a.xlsx', 'a.csv']), data: Buffer.concat([magic, Buffer.from(Array.from({ length: int(4096) }, () => int(256)))]) };
    },
    (v) => ({ label: `csv-gzipped-${v}`, fileName: 'a.csv', data: gzipSync(csv) }),
    (v) => ({ label: `xlsx-flip-${v}`, fileName: 'flip.xlsx', data: flip(xlsx, 1 + int(30)) }),
    (v) => ({ label: `xlsx-truncated-${v}`, fileName: 'cut.xlsx', data: truncate(xlsx) }),
    (v) => ({ label: `xlsx-formulas-${v}`, fileName: 'formula.xlsx', data: workbook({
      'xl/worksheets/sheet2.xml': mutateCells(sheet2, 0.2, (cell, ref) =>
        pick([
          `<c r="${ref}"><f>SUM(E2:E9)</f><v>127.5</v></c>`,
          `<c r="${ref}"><f>1/0</f></c>`,
          `<c r="${ref}" t="str"><f>CONCAT("a","b")</f><v>ab</v></c>`,
          `<c r="${ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>`,
          `<c r="${ref}"><f t="shared" ref="E2:E200" si="0">E1+1</f></c>`,
          `<c r="${ref}" t="b"><v>1</v></c>`,
          `<c r="${ref}" t="d"><v>2024-01-01T00:00:00</v></c>`,
          `<c r="${ref}" t="inlineStr"><is><t>=1+1</t></is></c>`,
          cell,
        ]),
      ),
    }) }),
    (v) => ({ label: `xlsx-shared-strings-${v}`, fileName: 'sst.xlsx', data: pick([
      () => workbook({ 'xl/sharedStrings.xml': undefined }),
      () => workbook({ 'xl/sharedStrings.xml': sst.slice(0, int(sst.length)) }),
      () => workbook({ 'xl/sharedStrings.xml': sst.replace(/<si>/g, () => (rand() < 0.1 ? '<si><r>' : '<si>')) }),
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.replace(/<c r="([A-Z]+\d+)" t="s"><v>\d+<\/v>/g, (m, ref: string) => (rand() < 0.2 ? `<c r="${ref}" t="s"><v>${pick(['99999', '-1', 'abc', '', '1e3', '4294967296'])}</v>` : m)) }),
      () => workbook({ 'xl/sharedStrings.xml': '<?xml version="1.0"?><sst/>' }),
    ])() }),
    (v) => ({ label: `xlsx-sheet-xml-${v}`, fileName: 'sheet.xlsx', data: pick([
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.slice(0, int(sheet2.length)) }),
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.replace('<sheetData>', `<sheetData>${'<junk>'.repeat(1 + int(5))}`) }),
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.replace(/<\/row>/g, () => (rand() < 0.05 ? '' : '</row>')) }),
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.replace(/r="([A-Z]+)(\d+)"/g, (m) => (rand() < 0.1 ? `r="${pick(['XFD1048576', 'A0', '', 'ZZZZZ1', '1A', 'A-1', 'A99999999999'])}"` : m)) }),
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.replace(/<row r="(\d+)"/g, (m) => (rand() < 0.1 ? `<row r="${pick(['0', '2', '1048577', 'x', '-5'])}"` : m)) }),
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.replace(/<v>([\d.]+)<\/v>/g, (m) => (rand() < 0.2 ? `<v>${pick(['', 'NaN', '1e999', '--1', '127.5.5', '\u0001'])}</v>` : m)) }),
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.replace('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>').replace('<v>127.229305</v>', '<v>&d;</v>') }),
      () => workbook({ 'xl/worksheets/sheet2.xml': sheet2.replace('<dimension ref="A1:H201"/>', '<dimension ref="A1:XFD1048576"/>') }),
      () => workbook({ 'xl/worksheets/sheet2.xml': Buffer.from(iconv.encode(sheet2, 'utf16le')) }),
      () => workbook({ 'xl/worksheets/sheet2.xml': '' }),
    ])() }),
    (v) => ({ label: `xlsx-structure-${v}`, fileName: 'structure.xlsx', data: pick([
      () => workbook({ 'xl/workbook.xml': part('xl/workbook.xml').replace(/<sheets>.*<\/sheets>/, '<sheets/>') }),
      () => workbook({ 'xl/workbook.xml': part('xl/workbook.xml').replace(/r:id="rId5"/, 'r:id="rId99"') }),
      () => workbook({ 'xl/workbook.xml': undefined }),
      () => workbook({ '[Content_Types].xml': undefined }),
      () => workbook({ 'xl/_rels/workbook.xml.rels': undefined }),
      () => workbook({ 'xl/_rels/workbook.xml.rels': part('xl/_rels/workbook.xml.rels').replace(/Target="[^"]*sheet2.xml"/, 'Target="../../../../etc/passwd"') }),
      () => workbook({ 'xl/worksheets/sheet2.xml': undefined }),
      () => workbook({ 'xl/workbook.xml': part('xl/workbook.xml').replace('</sheets>', `${Array.from({ length: 40 }, (_, i) => `<sheet sheetId="${i + 10}" name="s${i}" r:id="rId5"/>`).join('')}</sheets>`) }),
      () => workbook({ 'xl/workbook.xml': part('xl/workbook.xml').replace(/name="과속 상세내역"/, `name="${'긴'.repeat(300)}"`) }),
    ])() }),
    (v) => ({ label: `xlsx-zip-entry-${v}`, fileName: 'zip.xlsx', data: pick([
      () => workbook({}, { target: 'xl/worksheets/sheet2.xml', corrupt: (b) => { for (let i = 0; i < 1 + int(8); i++) b[int(b.length)] ^= 1 + int(255); } }),
      () => workbook({}, { target: 'xl/sharedStrings.xml', corrupt: (b) => { for (let i = 0; i < 1 + int(8); i++) b[int(b.length)] ^= 1 + int(255); } }),
      () => workbook({}, { target: 'xl/worksheets/sheet2.xml', declaredSize: int(1000) }),
      () => workbook({}, { target: 'xl/worksheets/sheet2.xml', declaredSize: 0xffffffff }),
      () => workbook({}, { target: 'xl/worksheets/sheet2.xml', store: true }),
      () => workbook({ 'xl/worksheets/sheet2.xml': `${sheet2.slice(0, sheet2.indexOf('</sheetData>'))}${'<row><c><v>1</v></c></row>'.repeat(50_000)}</sheetData></worksheet>` }),
    ])() }),
  ];

  const generators = [...csvMutations, ...binaryMutations];
  const inputs: FuzzInput[] = [];
  for (let v = 0; inputs.length < count; v++) inputs.push(generators[v % generators.length](v));
  if (giants) {
    // One line of 100 MB (no newline at all), and one row of a million empty cells.
    inputs.push({ label: 'giant-100mb-single-line', fileName: 'giant.csv', data: Buffer.alloc(100 * 1024 * 1024, '1') });
    inputs.push({ label: 'giant-million-empty-columns', fileName: 'wide.csv', data: Buffer.from(`lon,lat\n127.0,37.5${','.repeat(1_000_000)}\n126.9,37.4\n`) });
  }
  return inputs;
}
