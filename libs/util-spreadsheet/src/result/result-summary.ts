import { RowStatus, type DatasetFacts, type RowResultV1 } from '@geobatch/contracts';
import { rowStatus } from './result-columns';

export interface SheetSummary {
  /** Input sheet name. */
  name: string;
  /** Output sheets its rows went to (more than one past Excel's row limit). */
  outputSheets: string[];
  total: number;
  ok: number;
  problems: number;
  blank: number;
}

export interface AreaCount {
  code: string;
  name: string;
  count: number;
}

/** Rows a dataset group answered from one version of its series (jobs with a date column). */
export interface VersionCount {
  /** 0-based dataset group (the order of `datasets`). */
  group: number;
  version: string;
  count: number;
}

export interface ResultSummary {
  fileName: string;
  jobId: string;
  /** `name@version` of every dataset, in output order. */
  datasets: string[];
  /** What to know about each dataset (vintage, simplified, levels, notes), when the job recorded it. */
  datasetFacts?: readonly DatasetFacts[];
  /** The job's options as label/value pairs, shown as given. */
  options: [string, string][];
  sheets: SheetSummary[];
  total: number;
  ok: number;
  problems: number;
  blank: number;
  /** Rows by status (OK, NOT_FOUND, INVALID, …), blank rows excluded. */
  byStatus: [string, number][];
  /** Rows by 시도 and by 시군구 of the first dataset's match, most rows first; rows without one are not counted. */
  bySido: AreaCount[];
  bySigungu: AreaCount[];
  /** Jobs with a date column: rows per dataset group and answering version, in group then version order; empty otherwise. */
  byVersion: VersionCount[];
}

/**
 * Counts a job's rows while the merger streams them: totals per sheet and status, and per
 * 시도 / 시군구 in maps keyed by code, so memory grows with the number of areas, never rows.
 */
export class ResultSummaryBuilder {
  private readonly sheets: SheetSummary[] = [];
  private readonly byStatus = new Map<string, number>([
    [RowStatus.Ok, 0],
    [RowStatus.NotFound, 0],
    [RowStatus.Invalid, 0],
  ]);
  private readonly bySido = new Map<string, AreaCount>();
  private readonly bySigungu = new Map<string, AreaCount>();
  /** Per dataset group, rows by answering version: a handful of entries whatever the rows. */
  private readonly byVersion: Map<string, number>[] = [];

  startSheet(name: string): SheetSummary {
    const sheet: SheetSummary = { name, outputSheets: [], total: 0, ok: 0, problems: 0, blank: 0 };
    this.sheets.push(sheet);
    return sheet;
  }

  private get current(): SheetSummary {
    const sheet = this.sheets.at(-1);
    if (!sheet) throw new Error('startSheet before counting rows');
    return sheet;
  }

  addRow(result: RowResultV1): void {
    const sheet = this.current;
    const status = rowStatus(result);
    sheet.total++;
    if (status === RowStatus.Ok) sheet.ok++;
    else sheet.problems++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    const match = result.matches[0];
    if (match?.sido) count(this.bySido, match.sido.code, match.sido.name);
    if (match?.sigungu) count(this.bySigungu, match.sigungu.code, match.sigungu.name);
    for (let g = 0; g < result.matches.length; g++) {
      const version = result.matches[g].version;
      if (version === undefined) continue;
      const counts = (this.byVersion[g] ??= new Map());
      counts.set(version, (counts.get(version) ?? 0) + 1);
    }
  }

  addBlank(rows = 1): void {
    this.current.blank += rows;
    this.current.total += rows;
  }

  addOutputSheet(name: string): void {
    if (!this.current.outputSheets.includes(name)) this.current.outputSheets.push(name);
  }

  build(meta: Pick<ResultSummary, 'fileName' | 'jobId' | 'datasets' | 'datasetFacts' | 'options'>): ResultSummary {
    const sum = (f: (s: SheetSummary) => number) => this.sheets.reduce((n, s) => n + f(s), 0);
    const ranked = (m: Map<string, AreaCount>) => [...m.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
    return {
      ...meta,
      sheets: this.sheets.map((s) => ({ ...s, outputSheets: [...s.outputSheets] })),
      total: sum((s) => s.total),
      ok: sum((s) => s.ok),
      problems: sum((s) => s.problems),
      blank: sum((s) => s.blank),
      byStatus: [...this.byStatus],
      bySido: ranked(this.bySido),
      bySigungu: ranked(this.bySigungu),
      byVersion: this.byVersion.flatMap((counts, group) =>
        [...(counts ?? new Map<string, number>())]
          .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
          .map(([version, n]) => ({ group, version, count: n })),
      ),
    };
  }
}

function count(map: Map<string, AreaCount>, code: string, name: string): void {
  const entry = map.get(code);
  if (entry) entry.count++;
  else map.set(code, { code, name, count: 1 });
}
