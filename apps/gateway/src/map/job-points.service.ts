import { ConflictException, GoneException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { JobStatus, MAX_MAP_POINTS, type JobPointColumnsDto, type JobPointsDto } from '@geobatch/contracts';
import { JobRepository, type JobEntity } from '@geobatch/job-store';
import { SpreadsheetFormatError, StoredPathError } from '@geobatch/util-spreadsheet';
import { MapRowsCollector, type PickedRow } from './map-rows';
import { pointPosition } from './point-position';
import { UploadCoordinatesReader, type RawCoordinates } from './upload-coordinates.reader';

/** Answers kept of recent calls: a completed job's points never change, and a page asks again on every language switch. */
const CACHED_ANSWERS = 4;

function wantedRows(rows: readonly PickedRow[]): Map<number, Set<number>> {
  const wanted = new Map<number, Set<number>>();
  for (const r of rows) {
    let set = wanted.get(r.sheet);
    if (!set) wanted.set(r.sheet, (set = new Set()));
    set.add(r.n);
  }
  return wanted;
}

/** The picked rows as the answer's columns, each with its position read back from the upload. */
export function pointColumns(rows: readonly PickedRow[], raw: ReadonlyMap<string, RawCoordinates>, crs: string, sheetIndex: (sheet: number) => number): JobPointColumnsDto {
  const out: JobPointColumnsDto = { sheet: [], n: [], lon: [], lat: [], status: [], note: [], sido: [], sigungu: [] };
  for (const r of rows) {
    const coords = raw.get(`${r.sheet}:${r.n}`);
    const at = coords ? pointPosition(coords.x, coords.y, crs, r.status) : null;
    out.sheet.push(sheetIndex(r.sheet));
    out.n.push(coords?.row ?? r.n);
    out.lon.push(at?.[0] ?? null);
    out.lat.push(at?.[1] ?? null);
    out.status.push(r.status);
    out.note.push(r.note);
    out.sido.push(r.sido);
    out.sigungu.push(r.sigungu);
  }
  return out;
}

/** `GET /jobs/:id/points`: a completed job's rows as map points, with counts per status and area. */
@Injectable()
export class JobPointsService {
  private readonly logger = new Logger(JobPointsService.name);
  private readonly cache = new Map<string, JobPointsDto>();

  constructor(
    private readonly jobs: JobRepository,
    private readonly uploads: UploadCoordinatesReader,
  ) {}

  async points(id: string, ownerKeyId: string, limit = MAX_MAP_POINTS): Promise<JobPointsDto> {
    const job = await this.jobs.findOwned(id, ownerKeyId);
    // Another key's job answers exactly like a job that does not exist.
    if (!job) throw new NotFoundException(`job ${id} not found`);
    if (job.status === JobStatus.Expired) throw new GoneException(`job ${id} expired; its rows were deleted (작업 보관 기간이 지나 행 결과가 삭제되었습니다)`);
    if (job.status !== JobStatus.Completed) throw new ConflictException(`job ${id} is ${job.status}; its map is available once it has completed`);
    const key = `${id}:${limit}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const answer = await this.build(job, limit);
    this.cache.set(key, answer);
    if (this.cache.size > CACHED_ANSWERS) this.cache.delete(this.cache.keys().next().value as string);
    return answer;
  }

  private async build(job: JobEntity, limit: number): Promise<JobPointsDto> {
    const started = Date.now();
    const progress = await this.jobs.progress(job.id);
    const rows = new MapRowsCollector({ ok: progress.ok, problems: progress.problems }, limit);
    const sheets = job.options.upload.sheets;
    for (const s of sheets) {
      for await (const chunk of this.jobs.chunksOf(job.id, s.sheet)) for (const r of chunk.rows) rows.add(s.sheet, r);
    }
    const picked = rows.picked();
    const raw = await this.readCoordinates(job, picked);
    const sheetIndex = (sheet: number) => sheets.findIndex((s) => s.sheet === sheet);
    const points = pointColumns(picked, raw, job.options.crs, sheetIndex);
    this.logger.log({ msg: 'job map points', jobId: job.id, rows: rows.rows, points: picked.length, ms: Date.now() - started });
    return {
      jobId: job.id,
      datasetId: job.options.datasetIds[0],
      dataset: job.options.datasetLabels[0],
      crs: job.options.crs,
      rows: rows.rows,
      problems: rows.problems,
      sampled: rows.sampled,
      limit,
      sheets: sheets.map((s) => s.name),
      areas: rows.areas,
      points,
      statuses: rows.statusCounts(),
      table: rows.table(),
    };
  }

  /** The upload's x/y of the picked rows; none (every point without a position) when the upload no longer reads. */
  private async readCoordinates(job: JobEntity, picked: readonly PickedRow[]): Promise<Map<string, RawCoordinates>> {
    try {
      return await this.uploads.read(job, wantedRows(picked));
    } catch (e) {
      if (!(e instanceof SpreadsheetFormatError || e instanceof StoredPathError || (e as NodeJS.ErrnoException).code === 'ENOENT')) throw e;
      this.logger.warn({ msg: 'job map: the upload could not be read back; points have no position', jobId: job.id, error: (e as Error).message });
      return new Map();
    }
  }
}
