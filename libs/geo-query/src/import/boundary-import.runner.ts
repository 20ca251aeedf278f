import type { DataSource, QueryRunner } from 'typeorm';
import { ADMIN_LEVELS, ADMIN_LEVEL_LABELS, type AdminLevel } from '@geobatch/contracts';
import { BoundaryImportError } from './feature-collection.scanner';
import { toAreaRecord, type AreaRecord, type FieldNames } from './geojson-features';
import type { DatasetMeta, ImportProgress } from './import-options';

/** Features of one level, from a file or from memory. */
export interface LayerSource extends FieldNames {
  level: AdminLevel;
  /** Names the source in error messages, e.g. `sigungu layer (/data/sgg.geojson)`. */
  label: string;
  features: AsyncIterable<unknown> | Iterable<unknown>;
}

/** A level built in SQL by dissolving the areas of a finer level grouped by a code prefix. */
export interface DissolvedLevel {
  level: AdminLevel;
  from: AdminLevel;
  codeLength: number;
  names: Record<string, string>;
}

export interface ImportPlan {
  meta: DatasetMeta;
  layers: LayerSource[];
  dissolve?: DissolvedLevel[];
  /** Import only if the database holds no dataset at all (checked under a lock). */
  onlyIntoEmptyDatabase?: boolean;
  onProgress?: (event: ImportProgress) => void;
}

export interface ImportResult {
  datasetId: string;
  name: string;
  version: string;
  levels: AdminLevel[];
  featureCounts: Partial<Record<AdminLevel, number>>;
  /** Rows written to boundary_part. */
  parts: number;
  /** An existing dataset of the same name and version was replaced. */
  replaced: boolean;
  isDefault: boolean;
  ms: number;
}

/** Features per INSERT statement, and a cap on the statement's JSON size for very detailed polygons. */
const BATCH_FEATURES = 200;
const BATCH_CHARS = 8_000_000;
/** ST_Subdivide's vertex budget per piece. */
const PART_MAX_VERTICES = 64;
const SEED_LOCK_KEY = 7_670_000_002;

// json (not jsonb) keeps coordinates as text: no numeric conversion of ~700k vertices.
const INSERT_BATCH_SQL = `
  INSERT INTO boundary_area (dataset_id, level, code, name, geom)
  SELECT $1::uuid, $2::text, f->>'c', f->>'n',
         ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(f->>'g'), 4326)), 3))
  FROM json_array_elements($3::json) AS f`;

const LEVEL_RANK_SQL = (col: string) => `array_position(ARRAY['sido','sigungu','eupmyeondong','ri']::text[], ${col})`;

// The level-above area whose code is the longest prefix of the child's (equal codes included; then the
// finer level). Walking the child's own prefixes keeps every probe on the (dataset_id, code) index.
const PARENT_SQL = `
  UPDATE boundary_area c SET parent_code = (
    SELECT p.code
    FROM generate_series(length(c.code), 1, -1) AS k(len)
    JOIN boundary_area p ON p.dataset_id = c.dataset_id AND p.code = left(c.code, k.len)
    WHERE ${LEVEL_RANK_SQL('p.level')} < ${LEVEL_RANK_SQL('c.level')}
    ORDER BY k.len DESC, ${LEVEL_RANK_SQL('p.level')} DESC
    LIMIT 1)
  WHERE c.dataset_id = $1 AND c.level <> 'sido'`;

const PARTS_SQL = `
  INSERT INTO boundary_part (dataset_id, level, code, geom)
  SELECT dataset_id, level, code, g FROM (
    SELECT a.dataset_id, a.level, a.code, (ST_Dump(s.geom)).geom AS g
    FROM boundary_area a, LATERAL ST_Subdivide(a.geom, ${PART_MAX_VERTICES}) AS s(geom)
    WHERE a.dataset_id = $1
  ) d
  WHERE ST_GeometryType(g) = 'ST_Polygon' AND NOT ST_IsEmpty(g)`;

function rowCount(result: unknown): number {
  // TypeORM returns [rows, affected] for UPDATE/DELETE and the rows for INSERT without RETURNING.
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return 0;
}

function batchItem(r: AreaRecord): string {
  return JSON.stringify({ c: r.code, n: r.name, g: r.geometry });
}

async function insertBatch(q: QueryRunner, datasetId: string, level: AdminLevel, items: string[]): Promise<void> {
  await q.query(INSERT_BATCH_SQL, [datasetId, level, `[${items.join(',')}]`]);
}

async function importLayer(q: QueryRunner, datasetId: string, layer: LayerSource): Promise<number> {
  const seen = new Set<string>();
  let batch: string[] = [];
  let chars = 0;
  let n = 0;
  for await (const feature of layer.features) {
    n++;
    const record = toAreaRecord(feature, layer, `${layer.label}, feature ${n}`);
    if (seen.has(record.code)) {
      throw new BoundaryImportError(`${layer.label}, feature ${n}: code "${record.code}" appears more than once in the layer`);
    }
    seen.add(record.code);
    const item = batchItem(record);
    batch.push(item);
    chars += item.length;
    if (batch.length >= BATCH_FEATURES || chars >= BATCH_CHARS) {
      await insertBatch(q, datasetId, layer.level, batch);
      batch = [];
      chars = 0;
    }
  }
  if (batch.length > 0) await insertBatch(q, datasetId, layer.level, batch);
  if (n === 0) throw new BoundaryImportError(`${layer.label} has no features (empty layer)`);
  await assertLonLat(q, datasetId, layer.level, layer.label);
  return n;
}

/** Catches projected files (e.g. EPSG:5179 metres) that would otherwise import as nonsense. */
async function assertLonLat(q: QueryRunner, datasetId: string, level: AdminLevel, label: string): Promise<void> {
  const bad: { code: string }[] = await q.query(
    `SELECT code FROM boundary_area
     WHERE dataset_id = $1 AND level = $2 AND NOT ST_IsEmpty(geom)
       AND NOT (ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180 AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90)
     LIMIT 1`,
    [datasetId, level],
  );
  if (bad.length > 0) {
    throw new BoundaryImportError(
      `${label}: the coordinates of code ${bad[0].code} are not WGS84 longitude/latitude; boundary files must be in EPSG:4326`,
    );
  }
}

async function dissolveLevel(q: QueryRunner, datasetId: string, d: DissolvedLevel): Promise<number> {
  const missing: { prefix: string }[] = await q.query(
    `SELECT DISTINCT left(code, $3) AS prefix FROM boundary_area
     WHERE dataset_id = $1 AND level = $2 AND NOT ($4::jsonb ? left(code, $3))`,
    [datasetId, d.from, d.codeLength, JSON.stringify(d.names)],
  );
  if (missing.length > 0) {
    throw new BoundaryImportError(`no ${ADMIN_LEVEL_LABELS[d.level]} name for code prefix ${missing.map((m) => m.prefix).join(', ')}`);
  }
  const rows: { n: number }[] = await q.query(
    `WITH ins AS (
       INSERT INTO boundary_area (dataset_id, level, code, name, geom)
       SELECT $1::uuid, $2::text, left(code, $4), $5::jsonb ->> left(code, $4),
              ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3))
       FROM boundary_area WHERE dataset_id = $1 AND level = $3
       GROUP BY left(code, $4)
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [datasetId, d.level, d.from, d.codeLength, JSON.stringify(d.names)],
  );
  return rows[0].n;
}

/**
 * Imports a dataset in ONE transaction: an existing dataset of the same name and version is
 * replaced (its id is kept, so jobs pinned to it stay valid), and any failure leaves every
 * dataset as it was. Returns null when `onlyIntoEmptyDatabase` found a dataset already there.
 */
export async function runImport(ds: DataSource, plan: ImportPlan): Promise<ImportResult | null> {
  const t0 = Date.now();
  const progress = (e: Omit<ImportProgress, 'ms'>) => plan.onProgress?.({ ...e, ms: Date.now() - t0 });
  const levels = ADMIN_LEVELS.filter((l) => plan.layers.some((s) => s.level === l) || plan.dissolve?.some((d) => d.level === l));
  const { meta } = plan;
  const q = ds.createQueryRunner();
  await q.connect();
  let result: ImportResult;
  try {
    await q.startTransaction();
    if (plan.onlyIntoEmptyDatabase) {
      await q.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK_KEY]);
      const [{ any }]: { any: boolean }[] = await q.query('SELECT EXISTS (SELECT 1 FROM dataset) AS any');
      if (any) {
        await q.rollbackTransaction();
        return null;
      }
    }
    // The row lock taken here also serialises two imports of the same name and version.
    const [row]: { id: string; replaced: boolean }[] = await q.query(
      `INSERT INTO dataset (name, version, effective_date, levels, attribution)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name, version) DO UPDATE
         SET effective_date = EXCLUDED.effective_date, levels = EXCLUDED.levels, feature_counts = '{}',
             attribution = EXCLUDED.attribution, created_at = now()
       RETURNING id, (xmax <> 0) AS replaced`,
      [meta.name, meta.version, meta.effectiveDate, levels, meta.attribution],
    );
    const datasetId = row.id;
    if (row.replaced) {
      // Pieces first, by their dataset index, so the cascade from boundary_area has nothing left to find.
      await q.query('DELETE FROM boundary_part WHERE dataset_id = $1', [datasetId]);
      await q.query('DELETE FROM boundary_area WHERE dataset_id = $1', [datasetId]);
    }

    const counts: Partial<Record<AdminLevel, number>> = {};
    for (const layer of [...plan.layers].sort((a, b) => ADMIN_LEVELS.indexOf(a.level) - ADMIN_LEVELS.indexOf(b.level))) {
      if (counts[layer.level] !== undefined) throw new BoundaryImportError(`level ${layer.level} is given twice`);
      counts[layer.level] = await importLayer(q, datasetId, layer);
      progress({ step: 'layer', level: layer.level, count: counts[layer.level] });
    }
    for (const d of plan.dissolve ?? []) {
      counts[d.level] = await dissolveLevel(q, datasetId, d);
      progress({ step: 'dissolve', level: d.level, count: counts[d.level] });
    }

    // Statistics that include this transaction's rows, or the planner guesses from an empty table.
    await q.query('ANALYZE boundary_area');
    const linked = rowCount(await q.query(PARENT_SQL, [datasetId]));
    progress({ step: 'parents', count: linked });
    await q.query(PARTS_SQL, [datasetId]);
    const [{ parts }]: { parts: number }[] = await q.query(
      'SELECT count(*)::int AS parts FROM boundary_part WHERE dataset_id = $1',
      [datasetId],
    );
    progress({ step: 'parts', count: parts });

    const ordered = Object.fromEntries(ADMIN_LEVELS.filter((l) => counts[l] !== undefined).map((l) => [l, counts[l]]));
    await q.query('UPDATE dataset SET feature_counts = $2::jsonb WHERE id = $1', [datasetId, JSON.stringify(ordered)]);
    if (meta.isDefault) {
      // Clear the old default before setting the new one: the unique index allows only one.
      await q.query('UPDATE dataset SET is_default = false WHERE is_default AND id <> $1', [datasetId]);
      await q.query('UPDATE dataset SET is_default = true WHERE id = $1', [datasetId]);
    }
    const [{ is_default }]: { is_default: boolean }[] = await q.query('SELECT is_default FROM dataset WHERE id = $1', [datasetId]);
    await q.commitTransaction();
    progress({ step: 'commit' });
    result = {
      datasetId,
      name: meta.name,
      version: meta.version,
      levels,
      featureCounts: ordered,
      parts,
      replaced: row.replaced,
      isDefault: is_default,
      ms: 0,
    };
  } catch (e) {
    if (q.isTransactionActive) await q.rollbackTransaction().catch(() => undefined);
    throw e;
  } finally {
    await q.release();
  }
  // Fresh statistics so the planner keeps choosing the GIST index for lookups.
  await ds.query('ANALYZE dataset, boundary_area, boundary_part');
  result.ms = Date.now() - t0;
  return result;
}
