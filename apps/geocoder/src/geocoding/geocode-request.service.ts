import { Inject, Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import {
  decodeGeocodeRequest,
  DEFAULT_INPUT_CRS,
  DEFAULT_NEAREST_M,
  EventDecodeError,
  GeocodeErrorCode,
  type GeocodeDatasetV1,
  type GeocodeRequestV1,
  type GeocodeReplyV1,
  type SeriesVersionsV1,
} from '@geobatch/contracts';
import { DatasetRepository, type Dataset } from '@geobatch/geo-query';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { datasetLabel } from './engine-registry';

/** The part of DatasetRepository that resolves the datasets a request names. */
export type DatasetFinder = Pick<DatasetRepository, 'findById' | 'findByName' | 'findDefault' | 'list'>;

/**
 * A request's x or y as the text a spreadsheet cell would hold, for the same parser. Numbers in
 * exponent notation are written out in full (1e-7 → 0.0000001…), so they get the same range checks.
 */
export function rawCoordinate(v: number | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  const s = String(v);
  return /e/i.test(s) && Math.abs(v) < 1e21 ? v.toFixed(20) : s;
}

/** A reply refusing the whole request. */
export function errorReply(code: GeocodeErrorCode, message: string, extra: { problems?: string[]; crs?: string; nearestM?: number } = {}): GeocodeReplyV1 {
  return {
    error: { code, message, ...(extra.problems ? { problems: extra.problems } : {}) },
    crs: extra.crs ?? DEFAULT_INPUT_CRS,
    nearestM: extra.nearestM ?? DEFAULT_NEAREST_M,
    datasets: [],
    results: [],
  };
}

function described(d: Pick<Dataset, 'id' | 'name' | 'version'>): GeocodeDatasetV1 {
  return { id: d.id, name: d.name, version: d.version, label: datasetLabel(d) };
}

/**
 * Answers `POST /geocode` requests: decodes the request, resolves the datasets it names (a name is
 * its current generation, resolved per request, so a re-import takes effect at once), then runs the
 * points through the very same path as a rows chunk (`ChunkGeocoder.geocodePoints`). Invalid requests
 * and unknown datasets are answered with an error; database failures are thrown (the caller retries).
 */
@Injectable()
export class GeocodeRequestService {
  constructor(
    private readonly geocoder: ChunkGeocoder,
    @Inject(DatasetRepository) private readonly datasets: DatasetFinder,
  ) {}

  async answer(payload: unknown): Promise<GeocodeReplyV1> {
    let request: GeocodeRequestV1;
    try {
      request = decodeGeocodeRequest(payload);
    } catch (e) {
      if (!(e instanceof EventDecodeError)) throw e;
      return errorReply(GeocodeErrorCode.InvalidRequest, `요청이 올바르지 않음 / invalid request: ${e.problems.slice(0, 5).join('; ')}`, {
        problems: e.problems.slice(0, 50),
      });
    }
    const crs = request.crs ?? DEFAULT_INPUT_CRS;
    const nearestM = request.nearestM ?? DEFAULT_NEAREST_M;
    const resolved = await this.resolve(request.datasets);
    if (typeof resolved === 'string') return errorReply(GeocodeErrorCode.UnknownDataset, resolved, { crs, nearestM });

    // Points with a date: every dataset answers from its series' version in force on each point's date.
    const dated = request.points.some((p) => typeof p.date === 'string' && p.date.trim() !== '');
    let datasets = resolved;
    let series: SeriesVersionsV1[] | undefined;
    if (dated) {
      const timeline = await this.series(resolved);
      if (typeof timeline === 'string') return errorReply(GeocodeErrorCode.InvalidRequest, timeline, { crs, nearestM });
      datasets = timeline.newest;
      series = timeline.series;
    }

    const { rows } = await this.geocoder.geocodePoints({
      points: request.points.map((p, i) => ({ n: i + 1, x: rawCoordinate(p.x), y: rawCoordinate(p.y) })),
      crs,
      nearestM,
      datasetIds: datasets.map((d) => d.id),
      ...(series ? { series, dates: request.points.map((p) => p.date ?? null) } : {}),
    });
    return { crs, nearestM, datasets: datasets.map(described), results: rows };
  }

  /**
   * Each dataset's series: the current versions of its name (shared ones, and its owner's), oldest
   * first, and the newest of each. A message when a version has no effective date, or two share one:
   * such a series has no single version in force on a day.
   */
  async series(named: Dataset[]): Promise<{ newest: Dataset[]; series: SeriesVersionsV1[] } | string> {
    const current = await this.datasets.list();
    const day = (d: Dataset) => {
      const e = d.effectiveDate as unknown;
      return e instanceof Date ? e.toISOString().slice(0, 10) : (d.effectiveDate ?? null);
    };
    const out = { newest: [] as Dataset[], series: [] as SeriesVersionsV1[] };
    for (const d of named) {
      const members = current.filter((c) => c.name === d.name && (c.ownerKeyId === null || c.ownerKeyId === d.ownerKeyId));
      if (!members.some((c) => c.id === d.id) && !members.some((c) => c.version === d.version)) members.push(d);
      const undated = members.filter((c) => !day(c));
      if (undated.length > 0) {
        return `날짜로 고를 수 없음: "${d.name}"의 버전 ${undated.map((c) => c.version).join(', ')}에 시행일이 없음 / dataset series "${d.name}" has versions without an effective date (${undated.map((c) => c.version).join(', ')}), so points with a date cannot be matched to the version in force; leave "date" out`;
      }
      members.sort((a, b) => day(a)!.localeCompare(day(b)!));
      for (let k = 1; k < members.length; k++) {
        if (day(members[k]) === day(members[k - 1])) {
          return `날짜로 고를 수 없음: "${d.name}"의 버전 ${members[k - 1].version}, ${members[k].version}의 시행일이 같음 / versions ${members[k - 1].version} and ${members[k].version} of "${d.name}" take effect on the same day (${day(members[k])})`;
        }
      }
      out.newest.push(members[members.length - 1]);
      out.series.push({ ids: members.map((c) => c.id), versions: members.map((c) => c.version), effectiveDates: members.map((c) => day(c)!) });
    }
    return out;
  }

  /** The datasets named (ids, `name`, `name@version`), or the default; a message when one cannot be found. */
  async resolve(refs: string[] | undefined): Promise<Dataset[] | string> {
    if (!refs || refs.length === 0) {
      const found = await this.datasets.findDefault();
      return found ? [found] : `기본 경계 데이터셋이 없음 / no default dataset; name one in "datasets" (available: ${await this.available()})`;
    }
    const out: Dataset[] = [];
    for (const ref of refs) {
      const wanted = ref.trim();
      const found = await this.findOne(wanted);
      if (!found) return `경계 데이터셋 "${wanted.slice(0, 100)}"을(를) 찾을 수 없음 / unknown dataset (available: ${await this.available()})`;
      out.push(found);
    }
    return out;
  }

  private async findOne(ref: string): Promise<Dataset | null> {
    if (isUUID(ref)) return this.datasets.findById(ref);
    const byName = await this.datasets.findByName(ref);
    if (byName) return byName;
    const at = ref.lastIndexOf('@');
    return at > 0 && at < ref.length - 1 ? this.datasets.findByName(ref.slice(0, at), ref.slice(at + 1)) : null;
  }

  private async available(): Promise<string> {
    const labels = [...new Set((await this.datasets.list()).map((d) => datasetLabel(d)))].sort();
    return labels.length > 0 ? labels.join(', ') : 'none loaded';
  }
}
