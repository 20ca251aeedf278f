// One pass over a job's stored row results: the rows the map shows, the area table and the counts
// by status. Works chunk by chunk, so a job of millions of rows never sits in memory.
import { isOkResult, MAX_MAP_SIGUNGU_ROWS, RowStatus, type MapAreaRowsDto, type MapAreaTableDto, type MatchV1, type RowResultV1 } from '@geobatch/contracts';
import { planSample, type SamplePlan } from './point-sample';

/** A row picked for the map, before its position is read back from the upload. */
export interface PickedRow {
  sheet: number;
  /** Data row number within the sheet (as the chunks carry it). */
  n: number;
  status: RowStatus;
  note: string | null;
  /** Index into the collector's areas, -1 for none. */
  sido: number;
  sigungu: number;
}

interface AreaCount {
  code: string | null;
  name: string | null;
  parent: string | null;
  rows: number;
  problems: number;
}

/** The match a map shows for a row: the first that is not OK (so a problem row shows its problem), else the first. */
export function shownMatch(row: RowResultV1): MatchV1 | undefined {
  return row.matches.find((m) => m.status !== RowStatus.Ok) ?? row.matches[0];
}

const byRows = (a: AreaCount, b: AreaCount) => b.rows - a.rows || b.problems - a.problems || String(a.code).localeCompare(String(b.code));

function tableRow(c: AreaCount, withParent: boolean): MapAreaRowsDto {
  return withParent ? { code: c.code, name: c.name, parent: c.parent, rows: c.rows, problems: c.problems } : { code: c.code, name: c.name, rows: c.rows, problems: c.problems };
}

export class MapRowsCollector {
  readonly problemRows: PickedRow[] = [];
  readonly okRows: PickedRow[] = [];
  readonly areas: { code: string; name: string }[] = [];
  private readonly areaIndex = new Map<string, number>();
  private readonly sido = new Map<string, AreaCount>();
  private readonly sigungu = new Map<string, AreaCount>();
  private readonly statuses = new Map<RowStatus, number>();
  private readonly plan: SamplePlan;
  rows = 0;
  problems = 0;

  /** `counts`: the job's OK and problem rows (the stored chunks' sums), for even sampling. */
  constructor(counts: { ok: number; problems: number }, limit: number) {
    this.plan = planSample(counts, limit);
  }

  get sampled(): boolean {
    return this.plan.sampled;
  }

  add(sheet: number, row: RowResultV1): void {
    const ok = isOkResult(row);
    const match = shownMatch(row);
    const status = ok ? RowStatus.Ok : (match?.status ?? RowStatus.Error);
    this.rows++;
    if (!ok) this.problems++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    // Areas by the job's first dataset, as the result's 요약 counts them.
    const first = row.matches[0];
    this.count(this.sido, first?.sido, null, ok);
    this.count(this.sigungu, first?.sigungu, first?.sido?.name ?? null, ok);
    if (!(ok ? this.plan.ok : this.plan.problems).next()) return;
    const picked: PickedRow = { sheet, n: row.n, status, note: ok ? null : (match?.note ?? null), sido: this.indexOf(first?.sido), sigungu: this.indexOf(first?.sigungu) };
    (ok ? this.okRows : this.problemRows).push(picked);
  }

  /** Problem rows first, then OK rows, each in input order. */
  picked(): PickedRow[] {
    return [...this.problemRows, ...this.okRows];
  }

  statusCounts(): { status: RowStatus; rows: number }[] {
    return Object.values(RowStatus).filter((s) => this.statuses.has(s)).map((status) => ({ status, rows: this.statuses.get(status) ?? 0 }));
  }

  table(): MapAreaTableDto {
    const sigungu = [...this.sigungu.values()].sort(byRows);
    return {
      sido: [...this.sido.values()].sort(byRows).map((c) => tableRow(c, false)),
      sigungu: sigungu.slice(0, MAX_MAP_SIGUNGU_ROWS).map((c) => tableRow(c, true)),
      sigunguMore: Math.max(0, sigungu.length - MAX_MAP_SIGUNGU_ROWS),
    };
  }

  private count(into: Map<string, AreaCount>, area: { code: string; name: string } | undefined, parent: string | null, ok: boolean): void {
    const key = area?.code ?? '';
    let c = into.get(key);
    if (!c) into.set(key, (c = { code: area?.code ?? null, name: area?.name ?? null, parent: area ? parent : null, rows: 0, problems: 0 }));
    c.rows++;
    if (!ok) c.problems++;
  }

  private indexOf(area: { code: string; name: string } | undefined): number {
    if (!area) return -1;
    const key = `${area.code}\u0000${area.name}`;
    let i = this.areaIndex.get(key);
    if (i === undefined) {
      i = this.areas.push({ code: area.code, name: area.name }) - 1;
      this.areaIndex.set(key, i);
    }
    return i;
  }
}
