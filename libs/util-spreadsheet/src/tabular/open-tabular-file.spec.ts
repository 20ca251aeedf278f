import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { buildXlsx, buildZip, inlineCell, numberCell } from '../testing/zip-builder';
import type { TabularRow } from './cell-value';
import { CsvFormatError, SpreadsheetLimitError, UnsupportedFileError, XlsxFormatError } from './errors';
import { findSheet, openTabularFile, sampleRows, type TabularSheet } from './open-tabular-file';

async function all(sheet: TabularSheet): Promise<TabularRow[]> {
  const rows: TabularRow[] = [];
  for await (const r of sheet.rows()) rows.push(r);
  return rows;
}

describe('openTabularFile', () => {
  let dir: string;
  let seq = 0;
  const file = async (content: string | Buffer, name = `f${++seq}`): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'geobatch-tabular-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('CSV', () => {
    it('reads quoted fields with delimiters, quotes and newlines, trims, keeps empty names, counts blank lines (UTF-8 BOM, CRLF)', async () => {
      const csv =
        '\uFEFF번호 , 주소,,메모\r\n' +
        '1, 127.1 , 37.5 ,"쉼표, 있는 ""인용"" 메모"\r\n' +
        '\r\n' +
        '2,127.2,37.6,"여러\r\n줄\n메모"\r\n' +
        ',,,\r\n' +
        '3,=1+1,-cmd,@SUM(A1)\r\n';
      const t = await openTabularFile(await file(Buffer.from(csv, 'utf8')), { csvSheetName: '측정' });
      assert.deepEqual([t.kind, t.encoding, t.bom, t.delimiter], ['csv', 'utf-8', true, ',']);
      assert.equal(t.sheets.length, 1);
      const [sheet] = t.sheets;
      assert.deepEqual([sheet.index, sheet.name, sheet.headerRow], [0, '측정', 1]);
      assert.deepEqual(sheet.header, ['번호', '주소', '', '메모']);
      assert.deepEqual(await all(sheet), [
        { n: 1, row: 2, cells: ['1', '127.1', '37.5', '쉼표, 있는 "인용" 메모'], blank: false },
        { n: 2, row: 3, cells: [''], blank: true },
        { n: 3, row: 4, cells: ['2', '127.2', '37.6', '여러\r\n줄\n메모'], blank: false },
        { n: 4, row: 5, cells: ['', '', '', ''], blank: true },
        { n: 5, row: 6, cells: ['3', '=1+1', '-cmd', '@SUM(A1)'], blank: false },
      ]);
    });

    it('detects semicolon, tab and pipe delimiters and reads LF, CRLF and mixed line ends alike', async () => {
      for (const [d, eol] of [[';', '\n'], ['\t', '\r\n'], ['|', '\n'], [',', '\r\n']] as const) {
        const t = await openTabularFile(await file(['a', 'b', 'c'].join(d) + eol + ['1', '2', '3'].join(d) + eol + ['4', '5', '6'].join(d)));
        assert.equal(t.delimiter, d);
        assert.deepEqual((await all(t.sheets[0])).map((r) => r.cells), [['1', '2', '3'], ['4', '5', '6']], JSON.stringify(d));
      }
      const mixed = await openTabularFile(await file('a,b\r\n1,2\n3,4\r\n'));
      assert.deepEqual((await all(mixed.sheets[0])).map((r) => r.cells), [['1', '2'], ['3', '4']]);
    });

    it('takes the first non-blank line as the header, numbering rows as the file shows them', async () => {
      const t = await openTabularFile(await file('\n,,\nlon,lat\n127,37\n'));
      assert.deepEqual([t.sheets[0].header, t.sheets[0].headerRow], [['lon', 'lat'], 3]);
      assert.deepEqual(await all(t.sheets[0]), [{ n: 1, row: 4, cells: ['127', '37'], blank: false }]);
    });

    it('detects CP949 (EUC-KR), and honours an explicit encoding', async () => {
      const text = '회사,경도,위도\n울산,127.1,37.5\n';
      const cp949 = await file(iconv.encode(text, 'cp949'));
      const detected = await openTabularFile(cp949);
      assert.equal(detected.encoding, 'cp949');
      assert.deepEqual(detected.sheets[0].header, ['회사', '경도', '위도']);
      assert.deepEqual((await all(detected.sheets[0]))[0].cells, ['울산', '127.1', '37.5']);
      assert.equal((await openTabularFile(cp949, { encoding: 'euc-kr' })).encoding, 'cp949');
      // Told UTF-8, the CP949 bytes are an error naming the way out, never replacement characters.
      await assert.rejects(openTabularFile(cp949, { encoding: 'utf-8' }), (e: unknown) => e instanceof CsvFormatError && /encoding=cp949/.test(e.message));
      await assert.rejects(openTabularFile(cp949, { encoding: 'latin9' }), /unknown encoding/);
    });

    it('reads UTF-16 with a BOM (Excel "Unicode text")', async () => {
      const t = await openTabularFile(await file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('경도\t위도\r\n127.1\t37.5\r\n', 'utf16le')])));
      assert.deepEqual([t.encoding, t.delimiter], ['utf-16le', '\t']);
      assert.deepEqual(t.sheets[0].header, ['경도', '위도']);
      assert.deepEqual((await all(t.sheets[0]))[0].cells, ['127.1', '37.5']);
    });

    it('reports invalid UTF-8 met after the detection sample instead of replacing it', async () => {
      const head = 'a,b\n' + `${'1'.repeat(200)},2\n`.repeat(6_000); // 1.2 MB of ASCII: detected as UTF-8
      const path = await file(Buffer.concat([Buffer.from(head), iconv.encode('3,한글\n', 'cp949')]));
      const t = await openTabularFile(path);
      assert.equal(t.encoding, 'utf-8');
      await assert.rejects(all(t.sheets[0]), (e: unknown) => e instanceof CsvFormatError && /invalid UTF-8 after byte \d+/.test(e.message));
      assert.equal((await openTabularFile(path, { encoding: 'cp949' })).encoding, 'cp949');
    });

    it('reads 2-, 3- and 4-byte characters that the 64 KiB read chunks cut in two', async () => {
      // Rows of 2-, 3- and 4-byte characters after ASCII runs of every length mod 4, over several read chunks.
      const lines = Array.from({ length: 40_000 }, (_, i) => `${'x'.repeat(i % 4)}é가😀${i},${'나'.repeat(i % 7)}`);
      const t = await openTabularFile(await file(`a,b\n${lines.join('\n')}\n`));
      assert.deepEqual((await all(t.sheets[0])).map((r) => r.cells.join(',')), lines);
    });

    it('refuses a file that ends in the middle of a UTF-8 character', async () => {
      const head = 'a,b\n' + `${'1'.repeat(200)},2\n`.repeat(6_000);
      const path = await file(Buffer.concat([Buffer.from(head), Buffer.from('3,가').subarray(0, 4)]));
      const t = await openTabularFile(path);
      assert.equal(t.encoding, 'utf-8');
      await assert.rejects(all(t.sheets[0]), (e: unknown) => e instanceof CsvFormatError && /invalid UTF-8 after byte \d+/.test(e.message));
    });

    it('keeps a huge cell whole (up to the 32 MiB record limit)', async () => {
      const big = '가'.repeat(100_000);
      const t = await openTabularFile(await file(`memo,x\n"${big}",1\n`));
      const [row] = await all(t.sheets[0]);
      assert.equal((row.cells[0] as string).length, 100_000);
    });

    it('refuses an empty file or one without a header', async () => {
      await assert.rejects(openTabularFile(await file('')), (e: unknown) => e instanceof CsvFormatError && /empty file/.test(e.message));
      await assert.rejects(openTabularFile(await file('\n\n,,\n')), /no header row/);
    });
  });

  describe('file type by content', () => {
    it('refuses an old .xls (OLE2), PDF and other binary files, whatever their name', async () => {
      await assert.rejects(
        openTabularFile(await file(Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(1024)]), 'data.csv')),
        (e: unknown) => e instanceof UnsupportedFileError && /\.xls/.test(e.message),
      );
      await assert.rejects(openTabularFile(await file('%PDF-1.4\n...')), (e: unknown) => e instanceof UnsupportedFileError && /PDF/.test(e.message));
      await assert.rejects(openTabularFile(await file(Buffer.from([1, 2, 0, 0, 5, 6, 7, 0]))), /binary file/);
    });

    it('refuses a ZIP that is not a workbook, and an OpenDocument spreadsheet', async () => {
      await assert.rejects(
        openTabularFile(await file(buildZip([{ name: 'data.csv', data: 'a,b\n1,2\n' }]), 'x.xlsx')),
        (e: unknown) => e instanceof XlsxFormatError && /not an Excel \.xlsx workbook/.test(e.message),
      );
      await assert.rejects(
        openTabularFile(await file(buildZip([{ name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet', store: true }]))),
        /OpenDocument/,
      );
      await assert.rejects(openTabularFile(await file(Buffer.from('504b0304deadbeef', 'hex'))), (e: unknown) => e instanceof XlsxFormatError && /damaged/.test(e.message));
    });
  });

  describe('XLSX', () => {
    /** A workbook written by exceljs (shared strings, styles): every cell type, blank rows, a title-only sheet. */
    async function typedWorkbook(): Promise<string> {
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('표지').addRow(['과속 이벤트 보고서']);
      const ws = wb.addWorksheet('상세 내역');
      ws.addRow(['코드', '경도', '위도', '날짜', '시각', '수식', '텍스트 수식', '참', '서식', '링크', '오류']);
      ws.addRow([
        '007',
        127.229305,
        37.646395,
        new Date(Date.UTC(2024, 0, 31)),
        new Date(Date.UTC(2024, 0, 31, 8, 5, 0)),
        { formula: 'B2*2', result: 254.45861 },
        { formula: 'A2&"x"', result: '007x' },
        true,
        { richText: [{ text: '굵은 ', font: { bold: true } }, { text: '글씨' }] },
        { text: '사이트', hyperlink: 'https://example.com' },
        { error: '#N/A' },
      ]);
      ws.getCell('D2').numFmt = 'yyyy-mm-dd';
      ws.getCell('E2').numFmt = 'yyyy-mm-dd hh:mm';
      ws.getRow(4).getCell(1).value = '공백 뒤'; // row 3 missing: a blank row
      ws.getRow(4).getCell(2).value = 126.9;
      ws.getRow(7).getCell(1).style = { font: { bold: true } }; // styled but empty, trailing: not a row
      const hidden = wb.addWorksheet('숨김', { state: 'hidden' });
      hidden.addRow(['lon', 'lat']);
      hidden.addRow([127, 37]);
      return (await wb.xlsx.writeBuffer().then((b) => file(Buffer.from(b as ArrayBuffer), 'typed.xlsx')));
    }

    it('lists the worksheets in workbook order with their headers and reads every cell type', async () => {
      const t = await openTabularFile(await typedWorkbook());
      assert.equal(t.kind, 'xlsx');
      assert.equal(t.encoding, undefined);
      assert.deepEqual(t.sheets.map((s) => [s.index, s.name, s.hidden, s.headerRow, s.header.length]), [
        [0, '표지', false, 1, 1],
        [1, '상세 내역', false, 1, 11],
        [2, '숨김', true, 1, 2],
      ]);
      const rows = await all(t.sheets[1]);
      assert.deepEqual(rows.map((r) => [r.n, r.row, r.blank]), [[1, 2, false], [2, 3, true], [3, 4, false]]);
      assert.deepEqual(rows[0].cells, [
        '007',
        127.229305,
        37.646395,
        new Date(Date.UTC(2024, 0, 31)),
        new Date(Date.UTC(2024, 0, 31, 8, 5, 0)),
        254.45861,
        '007x',
        true,
        '굵은 글씨',
        '사이트',
        '#N/A',
      ]);
      assert.equal(rows[0].numFmts?.[3], 'yyyy-mm-dd');
      assert.equal(rows[0].numFmts?.[4], 'yyyy-mm-dd hh:mm');
      assert.deepEqual(rows[2].cells, ['공백 뒤', 126.9]);
    });

    it('reads inline strings, shared strings, absolute part targets and formula dates written by other tools', async () => {
      const rows =
        `<row r="1">${inlineCell('A1', '경도')}<c r="B1" t="s"><v>0</v></c>${inlineCell('C1', '날짜')}</row>` +
        `<row r="2">${numberCell('A2', 127.5)}${numberCell('B2', 37.25)}<c r="C2" s="1"><f>DATE(2024,1,31)</f><v>45322</v></c><c r="D2" t="s"><v>1</v></c></row>`;
      const path = await file(
        buildXlsx({ sheets: [{ name: 'Data', rows, target: '/xl/worksheets/data.xml' }], sharedStrings: ['위도', '공유 & 문자열'], numFmts: { 1: 'yyyy-mm-dd' } }),
      );
      const t = await openTabularFile(path);
      assert.deepEqual(t.sheets[0].header, ['경도', '위도', '날짜']);
      const [row] = await all(t.sheets[0]);
      assert.deepEqual(row.cells, [127.5, 37.25, new Date(Date.UTC(2024, 0, 31)), '공유 & 문자열']);
    });

    it('keeps multi-byte text intact across the chunks the zip hands out', async () => {
      const text = '가나다라마바사아자차카타파하'.repeat(2000); // ~84 KB of UTF-8 in one cell: several chunks
      const rows = `<row r="1">${inlineCell('A1', 'memo')}</row>` + Array.from({ length: 5 }, (_, i) => `<row r="${i + 2}">${inlineCell(`A${i + 2}`, text)}</row>`).join('');
      const t = await openTabularFile(await file(buildXlsx({ sheets: [{ name: 'S', rows }] })));
      for (const r of await all(t.sheets[0])) assert.equal(r.cells[0], text);
    });

    it('finds a sheet by name (exact, then ignoring case and spaces) or 1-based number', async () => {
      const t = await openTabularFile(await typedWorkbook());
      assert.equal(findSheet(t, '상세 내역').index, 1);
      assert.equal(findSheet(t, ' 숨김 ').index, 2);
      assert.equal(findSheet(t, '1').name, '표지');
      assert.throws(() => findSheet(t, '9'), /no such sheet; sheets: 1: "표지", 2: "상세 내역", 3: "숨김"/);
    });

    it('stops reading a sheet early without reading the rest (sampleRows)', async () => {
      const rows = Array.from({ length: 5000 }, (_, i) => `<row r="${i + 1}">${numberCell(`A${i + 1}`, i)}</row>`).join('');
      const t = await openTabularFile(await file(buildXlsx({ sheets: [{ name: 'S', rows }] })));
      assert.deepEqual((await sampleRows(t.sheets[0], 3)).map((r) => r.cells[0]), [1, 2, 3]);
    });
  });

  describe('XLSX safety limits', () => {
    const sheetRows = `<row r="1">${inlineCell('A1', 'x')}</row><row r="2">${numberCell('A2', 1)}</row>`;

    it('refuses, before inflating anything, a zip bomb by its compression ratio', async () => {
      const bomb = buildXlsx({ sheets: [{ name: 'S', rows: sheetRows }], extra: [{ name: 'xl/media/zeros.bin', data: Buffer.alloc(50 * 1024 * 1024) }] });
      assert.ok(bomb.length < 200_000, `${bomb.length} bytes`);
      await assert.rejects(openTabularFile(await file(bomb)), (e: unknown) => e instanceof SpreadsheetLimitError && /zip bomb/.test(e.message));
    });

    it('refuses too many entries and too large a declared size', async () => {
      const path = await file(buildXlsx({ sheets: [{ name: 'S', rows: sheetRows }] }));
      await assert.rejects(openTabularFile(path, { xlsxLimits: { maxEntries: 3 } }), (e: unknown) => e instanceof SpreadsheetLimitError && /entries/.test(e.message));
      await assert.rejects(openTabularFile(path, { xlsxLimits: { maxTotalUncompressedBytes: 500 } }), /uncompressed in total/);
      await assert.rejects(openTabularFile(path, { xlsxLimits: { maxEntryUncompressedBytes: 200 } }), /uncompressed, at most/);
    });

    it('stops an entry that inflates to more than it declared (a lying bomb) while streaming', async () => {
      const big = `<row r="1">${inlineCell('A1', 'x')}</row>` + Array.from({ length: 20_000 }, (_, i) => `<row r="${i + 2}">${numberCell(`A${i + 2}`, i)}</row>`).join('');
      const t = await openTabularFile(await file(buildXlsx({ sheets: [{ name: 'S', rows: big }], sheetDeclaredSize: 60_000 })));
      await assert.rejects(all(t.sheets[0]), (e: unknown) => e instanceof SpreadsheetLimitError && /size differs|too many bytes/.test(e.message));
    });

    it('stops a single huge cell while streaming', async () => {
      const rows = `<row r="1">${inlineCell('A1', 'memo')}</row><row r="2">${inlineCell('A2', 'x'.repeat(300_000))}</row>`;
      const path = await file(buildXlsx({ sheets: [{ name: 'S', rows }] }));
      // The header search reads the first rows at open: the cell is stopped there or while streaming, never read whole.
      await assert.rejects(
        async () => all((await openTabularFile(path, { xlsxLimits: { maxTokenBytes: 100_000 } })).sheets[0]),
        (e: unknown) => e instanceof SpreadsheetLimitError && /one cell/.test(e.message),
      );
    });

    it('refuses rows and columns beyond Excel\'s limits', async () => {
      const far = await file(buildXlsx({ sheets: [{ name: 'S', rows: `<row r="1">${inlineCell('A1', 'x')}</row><row r="1048577">${numberCell('A1048577', 1)}</row>` }] }));
      await assert.rejects(async () => all((await openTabularFile(far)).sheets[0]), (e: unknown) => e instanceof SpreadsheetLimitError && /row 1048577/.test(e.message));
      const wide = await file(buildXlsx({ sheets: [{ name: 'S', rows: `<row r="1">${inlineCell('A1', 'x')}</row><row r="2">${numberCell('XFE2', 1)}</row>` }] }));
      await assert.rejects(async () => all((await openTabularFile(wide)).sheets[0]), (e: unknown) => e instanceof XlsxFormatError && /column/i.test(e.message));
    });
  });
});
