import ExcelJS from 'exceljs';

/**
 * The XML exceljs' streaming writer puts out for a worksheet row, rendered without its per-cell
 * objects. exceljs builds a Cell, a model and an XmlStream for every cell, which made it the
 * merger's slowest stage (about 20 µs a row of ~20 cells); this renders the same bytes in a
 * fraction of that. exceljs still writes everything else (header rows, columns, styles, the zip).
 * `sheet-rows-xml.spec.ts` checks the output against exceljs' own, byte for byte.
 */

/** A value exceljs stores as a plain cell (no formula, rich text or hyperlink: we never write those). */
export type PlainCellValue = string | number | boolean | Date;

/** What exceljs' stream WorkbookWriter keeps that this needs: its style registry. */
interface StyleRegistry {
  addStyleModel(style: Partial<ExcelJS.Style>, cellType: ExcelJS.ValueType): number;
}

const ESCAPE = /[<>&'"\x7F\x00-\x08\x0B-\x0C\x0E-\x1F]/;

/** exceljs' `xmlEncode`: the five XML entities escaped, control characters XML 1.0 forbids dropped. */
export function xmlText(text: string): string {
  const first = ESCAPE.exec(text);
  if (!first) return text;
  let out = text.slice(0, first.index);
  for (let i = first.index; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) out += '&quot;';
    else if (c === 38) out += '&amp;';
    else if (c === 39) out += '&apos;';
    else if (c === 60) out += '&lt;';
    else if (c === 62) out += '&gt;';
    else if (c === 127 || (c <= 31 && c !== 9 && c !== 10 && c !== 13)) continue;
    else out += text[i];
  }
  return out;
}

/** Column letters of 1-based column `col`: 1 → A, 27 → AA. */
export function columnLetters(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Excel's serial day number of a date (the 1900 date system, as exceljs writes it). */
function excelSerial(d: Date): number {
  return 25569 + d.getTime() / 86_400_000;
}

/** Bytes of rendered rows collected before they are handed on (a row that does not fit goes on its own). */
const BATCH_BYTES = 64 * 1024;

/**
 * Renders rows one at a time into UTF-8 batches for a worksheet's `<sheetData>`. Styles go
 * through exceljs' registry, which numbers a style object the first time it sees it, exactly as
 * when exceljs renders the cell itself. Each row is encoded as it ends: one short string per row
 * into a shared buffer costs a third of encoding a long concatenated string per batch.
 */
export class SheetRowsXml {
  private readonly letters: string[] = [''];
  private readonly styleIds = new Map<Partial<ExcelJS.Style>, number>();
  private row = '';
  private rowNumber = 0;
  private min = 0;
  private max = 0;
  /** Encoded rows not yet taken: those up to the last row too large for a batch in `large`, then `batch` up to `used`. */
  private batch = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  private large: Buffer[] = [];

  constructor(private readonly styles: StyleRegistry) {}

  /** True once half a batch is filled (the next row might not fit) or a row too large for one is waiting. */
  get full(): boolean {
    return this.used >= BATCH_BYTES / 2 || this.large.length > 0;
  }

  /** True when rows are waiting to be taken. */
  get pending(): boolean {
    return this.used > 0 || this.large.length > 0;
  }

  startRow(rowNumber: number): void {
    this.rowNumber = rowNumber;
    this.row = '';
    this.min = 0;
    this.max = 0;
  }

  /** Adds a cell to the row being built; cells must come in column order. */
  cell(col: number, value: PlainCellValue, style: Partial<ExcelJS.Style>): void {
    const type =
      typeof value === 'string' ? ExcelJS.ValueType.String
      : typeof value === 'number' ? ExcelJS.ValueType.Number
      : typeof value === 'boolean' ? ExcelJS.ValueType.Boolean
      : ExcelJS.ValueType.Date;
    const styleId = this.styleId(style, type);
    if (this.min === 0) this.min = col;
    this.max = col;
    let c = `<c r="${this.letter(col)}${this.rowNumber}"`;
    if (styleId) c += ` s="${styleId}"`;
    if (type === ExcelJS.ValueType.String) c += ` t="str"><v>${xmlText(value as string)}</v></c>`;
    else if (type === ExcelJS.ValueType.Number) c += `><v>${xmlText(String(value))}</v></c>`;
    else if (type === ExcelJS.ValueType.Boolean) c += ` t="b"><v>${value ? '1' : '0'}</v></c>`;
    else c += `><v>${xmlText(String(excelSerial(value as Date)))}</v></c>`;
    this.row += c;
  }

  /** Closes the row; a row without a cell is left out, as exceljs does. */
  endRow(): void {
    if (this.min === 0) return;
    const xml = `<row r="${this.rowNumber}" spans="${this.min}:${this.max}" x14ac:dyDescent="0.25">${this.row}</row>`;
    this.row = '';
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (xml.length * 3 <= BATCH_BYTES - this.used) this.used += this.batch.write(xml, this.used);
    else this.large = [...this.take(), Buffer.from(xml)];
  }

  /** The rendered rows so far, in order, emptying the buffer. */
  take(): Buffer[] {
    // `large` holds everything up to the last oversized row; the batch only rows after it.
    const out = this.large;
    this.large = [];
    if (this.used > 0) {
      out.push(this.batch.subarray(0, this.used));
      // The taken bytes are handed on as they are, so the next rows go into a new buffer.
      this.batch = Buffer.allocUnsafe(BATCH_BYTES);
      this.used = 0;
    }
    return out;
  }

  private letter(col: number): string {
    while (this.letters.length <= col) this.letters.push(columnLetters(this.letters.length));
    return this.letters[col];
  }

  private styleId(style: Partial<ExcelJS.Style>, type: ExcelJS.ValueType): number {
    let id = this.styleIds.get(style);
    if (id === undefined) this.styleIds.set(style, (id = this.styles.addStyleModel(style, type)));
    return id;
  }
}
