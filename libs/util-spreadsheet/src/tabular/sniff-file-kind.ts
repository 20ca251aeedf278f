import { open } from 'node:fs/promises';
import { UnsupportedFileError } from './errors';

export type TabularKind = 'csv' | 'xlsx';

/** How many leading bytes decide the file type (and feed encoding detection). */
export const SNIFF_BYTES = 64 * 1024;

const ZIP_LOCAL_HEADER = Buffer.from('504b0304', 'hex');
const ZIP_EMPTY_ARCHIVE = Buffer.from('504b0506', 'hex');
const OLE2 = Buffer.from('d0cf11e0a1b11ae1', 'hex');

/** Other binary formats people upload by mistake, named so the error says what the file is. */
const KNOWN_BINARY: [magic: Buffer, what: string][] = [
  [Buffer.from('%PDF'), 'PDF 문서 (a PDF document)'],
  [Buffer.from('1f8b', 'hex'), 'gzip 압축 파일 (a gzip archive)'],
  [Buffer.from('Rar!'), 'RAR 압축 파일 (a RAR archive)'],
  [Buffer.from('377abcaf271c', 'hex'), '7z 압축 파일 (a 7z archive)'],
  [Buffer.from('89504e47', 'hex'), 'PNG 이미지 (a PNG image)'],
  [Buffer.from('ffd8ff', 'hex'), 'JPEG 이미지 (a JPEG image)'],
  [Buffer.from('GIF8'), 'GIF 이미지 (a GIF image)'],
];

const UTF16_BOMS = [Buffer.from('fffe', 'hex'), Buffer.from('feff', 'hex')];

export async function readHead(path: string, bytes = SNIFF_BYTES): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic);
}

/** Control bytes that never appear in text (tab, LF, FF, CR and the old Ctrl-Z end marker excepted). */
function controlByteShare(head: Buffer): number {
  let n = 0;
  for (const b of head) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1a) n++;
  return head.length === 0 ? 0 : n / head.length;
}

/**
 * Decides the file type from its content, never its name: a ZIP is taken for an XLSX workbook
 * (the workbook reader checks it is one), text for a CSV. An old `.xls` (OLE2) and other binary
 * files are refused with a message that says what they are.
 */
export function sniffKind(head: Buffer, options: { textEncodingForced?: boolean } = {}): TabularKind {
  if (startsWith(head, ZIP_LOCAL_HEADER) || startsWith(head, ZIP_EMPTY_ARCHIVE)) return 'xlsx';
  if (startsWith(head, OLE2)) {
    throw new UnsupportedFileError(
      '예전 엑셀 형식(.xls) 또는 암호가 걸린 통합 문서는 읽을 수 없습니다. .xlsx 또는 CSV로 저장해 올려 주세요 ' +
        '(an Excel 97-2003 .xls or a password-protected workbook cannot be read: save it as .xlsx or CSV)',
    );
  }
  for (const [magic, what] of KNOWN_BINARY) {
    if (startsWith(head, magic)) {
      throw new UnsupportedFileError(`CSV나 XLSX가 아닌 ${what}입니다 (only CSV and XLSX files can be read)`);
    }
  }
  const utf16 = UTF16_BOMS.some((bom) => startsWith(head, bom));
  if (!utf16 && !options.textEncodingForced && (head.includes(0) || controlByteShare(head) > 0.01)) {
    throw new UnsupportedFileError('텍스트(CSV)나 XLSX가 아닌 이진 파일입니다 (a binary file that is neither CSV text nor an XLSX workbook)');
  }
  return 'csv';
}

export async function sniffFileKind(path: string, options: { textEncodingForced?: boolean } = {}): Promise<TabularKind> {
  return sniffKind(await readHead(path), options);
}
