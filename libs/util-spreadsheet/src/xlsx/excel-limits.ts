/** Excel's hard limits: a sheet holds at most this many rows and columns, a cell this many characters. */
export const EXCEL_MAX_ROWS = 1_048_576;
export const EXCEL_MAX_COLUMNS = 16_384;
export const EXCEL_MAX_CELL_CHARS = 32_767;
/** Data rows that fit under the header row of one sheet. */
export const EXCEL_MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1;
