// The parts of the gateway's answers that the page reads (see the OpenAPI document at /docs).
// Fields the page tolerates missing are optional: an older gateway may leave them out.

export interface ColumnRef {
  number: number;
  letter: string;
  /** How the gateway picked the column: `header`, `values` or `given`. */
  by: string;
}

export interface SheetInfo {
  index: number;
  name: string;
  hidden?: boolean;
}

/** `POST /jobs/preview`. */
export interface PreviewData {
  kind?: string;
  encoding?: string | null;
  delimiter?: string | null;
  sheet: SheetInfo;
  sheets: SheetInfo[];
  /** The system the values' ranges suggest (`EPSG:…`), or `unknown`. */
  crs?: string;
  /** 1-based row the header was taken from, and the rows above it as text (a title block). */
  headerRow?: number;
  above?: string[][];
  header: string[];
  rows: unknown[][];
  x: ColumnRef | null;
  y: ColumnRef | null;
  problem?: string | null;
}

/** One item of `GET /datasets`. */
export interface Dataset {
  name: string;
  version?: string | null;
  levels?: unknown;
  isDefault?: boolean;
}

export interface JobRows {
  total: number | null;
  processed: number;
  ok?: number;
  problems?: number;
  blank?: number;
}

/** `GET /jobs/:id`, an item of `GET /jobs`, and the answer of `POST /jobs`. */
export interface JobView {
  id: string;
  status: string | null;
  rows?: JobRows;
  fileName?: string | null;
  createdAt?: string;
  finishedAt?: string | null;
  error?: string | null;
  rowsPerSecond?: number | null;
  etaSeconds?: number | null;
}

/** A row of the recent-jobs list: a job view, or what the browser remembers of one it cannot read. */
export interface JobListItem extends JobView {
  missing?: boolean;
  unreadable?: unknown;
}
