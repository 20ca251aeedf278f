// What the benchmark and the chaos run share: a seeded input in the sample's layout, the
// reference dataset, and a REST client for one job's life (upload, wait, download).
import { createWriteStream, openAsBlob } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { BoundaryImporter, DatasetRepository, openGeoDataSource } from '@geobatch/geo-query';
import { KOSTAT_2018, mulberry32, waitFor } from '@geobatch/util-testing';

export const BENCH_DATASET = 'bench-kostat-2018';

export const log = (tool: string) => (msg: string) => process.stderr.write(`[${tool}] ${msg}\n`);

/** The KOSTAT 2018 fixture as a dataset, imported once and reused by later runs. */
export async function ensureBenchDataset(databaseUrl: string, say: (m: string) => void): Promise<string> {
  const ds = await openGeoDataSource(databaseUrl);
  try {
    const existing = await new DatasetRepository(ds).findByName(BENCH_DATASET);
    if (existing) return existing.id;
    say(`importing ${BENCH_DATASET} from the KOSTAT 2018 fixture`);
    return (await new BoundaryImporter(ds).importGeoJson({ name: BENCH_DATASET, version: '2018', levels: KOSTAT_2018 })).datasetId;
  } finally {
    await ds.destroy();
  }
}

/** Seeded points on land across Korea: PostGIS scatters them over the 시도 polygons. */
export async function landPoints(db: Client, datasetId: string, seed: number, count = 50_000): Promise<[number, number][]> {
  const { rows } = await db.query<{ x: number; y: number }>(
    `SELECT ST_X(g) AS x, ST_Y(g) AS y FROM (
       SELECT (ST_Dump(ST_GeneratePoints(ST_Union(geom), $3, $2))).geom AS g
         FROM boundary_area WHERE dataset_id = $1 AND level = 'sido') p`,
    [datasetId, seed, count],
  );
  return rows.map((p) => [p.x, p.y]);
}

export const SAMPLE_HEADER = '회사코드,차량번호,차량ID,날짜,주소,,속도,발생시각';

/**
 * Writes `rows` rows in the sample's layout (x in column 5, y in column 6, the awkward header).
 * Column 3 (차량ID) is `v<row number>`, unique per row, so an output can be checked row by row.
 */
export async function writeSampleCsv(path: string, rows: number, points: [number, number][], seed: number): Promise<void> {
  const rand = mulberry32(seed);
  const regions = ['서울', '경기', '부산', '울산', '대구', '인천', '광주', '대전'];
  function* lines(): Generator<string> {
    yield `${SAMPLE_HEADER}\n`;
    let batch = '';
    for (let i = 0; i < rows; i++) {
      const [x, y] = points[Math.floor(rand() * points.length)];
      const d = String(1 + (i % 28)).padStart(2, '0');
      batch += `testse${String(1 + (i % 9)).padStart(2, '0')},${regions[i % regions.length]}${100 + (i % 900)}바${10000 + (i % 90000)},v${i + 1},202401${d},${x.toFixed(6)},${y.toFixed(6)},${60 + (i % 60)},${d}-JAN-24 ${String(i % 24).padStart(2, '0')}:00:00\n`;
      if (i % 5000 === 4999) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  await pipeline(Readable.from(lines()), createWriteStream(path));
}

export interface JobView {
  status: string;
  error: string | null;
  rows: { total: number | null; processed: number; ok: number; problems: number };
}

/** The gateway's REST API, as a user's script would call it. */
export class GatewayClient {
  /** `apiKey` is sent as `Authorization: Bearer <key>` on every call but /health. */
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  private get headers(): Record<string, string> {
    return this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
  }

  async healthy(): Promise<boolean> {
    try {
      return (await fetch(`${this.baseUrl}/health`)).ok;
    } catch {
      return false;
    }
  }

  /**
   * Streams the file from disk; never holds it in memory. Always a new job (`force=true`): runs
   * upload the same seeded file again and must not get an earlier job back.
   */
  async submit(file: string, fields: Record<string, string>): Promise<string> {
    const form = new FormData();
    form.set('file', await openAsBlob(file), file.split('/').pop()!);
    for (const [k, v] of Object.entries({ force: 'true', ...fields })) form.set(k, v);
    const res = await fetch(`${this.baseUrl}/jobs`, { method: 'POST', body: form, headers: this.headers });
    if (res.status !== 202) throw new Error(`upload refused: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async job(id: string): Promise<JobView> {
    const res = await fetch(`${this.baseUrl}/jobs/${id}`, { headers: this.headers });
    if (!res.ok) throw new Error(`GET /jobs/${id}: ${res.status}`);
    return (await res.json()) as JobView;
  }

  /** Waits for `completed`; a failed job throws. Connection errors (a gateway being restarted) are waited out. */
  waitForCompletion(id: string, timeoutMs: number, everyMs = 200): Promise<JobView> {
    return waitFor(
      `job ${id}`,
      async () => {
        const view = await this.job(id);
        if (view.status === 'failed' || view.status === 'cancelled') throw new JobEndedError(view);
        return view.status === 'completed' ? view : undefined;
      },
      timeoutMs,
      everyMs,
      (e) => e instanceof JobEndedError,
    );
  }

  async download(id: string, path: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/jobs/${id}/result`, { headers: this.headers });
    if (!res.ok || !res.body) throw new Error(`GET /jobs/${id}/result: ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(path));
  }
}

export class JobEndedError extends Error {
  constructor(readonly view: JobView) {
    super(`job ${view.status}: ${view.error ?? ''}`);
  }
}
