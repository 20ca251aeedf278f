/**
 * The upload cannot be read as a table: wrong or unsupported file type, broken CSV or XLSX,
 * or beyond a safety limit. The message is meant for the user (Korean, then English).
 */
export class SpreadsheetFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpreadsheetFormatError';
  }
}

export class CsvFormatError extends SpreadsheetFormatError {
  constructor(message: string) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

export class XlsxFormatError extends SpreadsheetFormatError {
  constructor(message: string) {
    super(message);
    this.name = 'XlsxFormatError';
  }
}

/** Not a CSV and not an XLSX workbook (an old `.xls`, a PDF, an image, …). */
export class UnsupportedFileError extends SpreadsheetFormatError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedFileError';
  }
}

/** A zip bomb, or sizes no real spreadsheet has (too many entries, rows, columns, too large a cell). */
export class SpreadsheetLimitError extends SpreadsheetFormatError {
  constructor(message: string) {
    super(message);
    this.name = 'SpreadsheetLimitError';
  }
}
