import type { DataSource, QueryRunner } from 'typeorm';
import { ADMIN_LEVELS, ADMIN_LEVEL_LABELS, type AdminLevel, type InputCrs } from '@geobatch/contracts';
import { CRS_PROJ4 } from '../lookup/coordinate-systems';
import { NESTING_KEY_SQL, PARENT_CODE_LENGTH } from './area-codes';
import { BoundaryImportError } from './feature-collection.scanner';
import { parentArea, toAreaRecord, type AreaRecord, type FieldNames } from './geojson-features';
import type { DatasetMeta, ImportProgress, ParentField } from './import-options';

/** Features of one level, from a file or from memory. */
export interface LayerSource extends FieldNames {
  level: AdminLevel;
  /** Names the source in error messages, e.g. `sigungu layer (/data/sgg.geojson)`. */
  label: string;
  features: AsyncIterable<unknown> | Iterable<unknown>;
  /** Coordinate system of the features; EPSG:4326 when absent. Others are transformed by PostGIS. */
  crs?: InputCrs;
  /** Coarser levels without a layer, named from this layer's feature properties. */
  parents?: ParentField[];
}

/**
 * A level made in SQL as the union of a finer level's areas grouped by their code's prefix of the level
 * (2 digits for 시도, 5 for 시군구): it has exactly its children's outline, gaps between them included,
 * so no point lies in the coarser area without lying in one of its children.
 */
export interface DissolvedLevel {
  level: AdminLevel;
  from: AdminLevel;
  /** Code and name of each area made, by that prefix. */
  areas: ReadonlyMap<string, { code: string; name: string }>;
}

export interface ImportPlan {
  meta: DatasetMeta;
  layers: LayerSource[];
  /** Coarser levels made from finer ones, in this order (e.g. 시군구 from 읍면동, then 시도 from 시군구). */
  dissolve?: DissolvedLevel[];
  /** Import only if no current dataset has this name and version (checked under the import's lock). */
  onlyIfAbsent?: boolean;
  onProgress?: (event: ImportProgress) => void;
}

export interface ImportResult {
  datasetId: string;
  name: string;
  version: string;
  /** Levels the dataset answers with: those of the layers and of the parent names. */
  levels: AdminLevel[];
  /** Features read per layer. */
  featureCounts: Partial<Record<AdminLevel, number>>;
  /** Areas without a polygon made from parent names in the features' properties, per level. */
  parentCounts: Partial<Record<AdminLevel, number>>;
  /** Rows written to boundary_part. */
  parts: number;
  /** A dataset of the same name and version existed: it is now superseded by this one (see `supersededId`). */
  replaced: boolean;
  /** The id of the generation this import superseded; it keeps its polygons for the jobs pinned to it. */
  supersededId?: string;
  isDefault: boolean;
  ms: number;
}

/** Features per INSERT statement, and a cap on the statement's JSON size for very detailed polygons. */
const BATCH_FEATURES = 200;
const BATCH_CHARS = 8_000_000;
/** ST_Subdivide's vertex budget per piece. */
const PART_MAX_VERTICES = 64;
/** First key of the two-key advisory lock serialising imports of one name+version (the second is a hash of both). */
const IMPORT_LOCK_CLASS = 7_670_003;

// json (not jsonb) keeps coordinates as text: no numeric conversion of ~700k vertices.
const INSERT_BATCH_SQL = `
  INSERT INTO boundary_area (dataset_id, level, code, name, geom)
  SELECT $1::uuid, $2::text, f->>'c', f->>'n',
         ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(f->>'g'), 4326)), 3))
  FROM json_array_elements($3::json) AS f`;

// Projected input: PostGIS (PROJ) transforms with the same PROJ string the geocoder uses for points.
const INSERT_PROJECTED_BATCH_SQL = `
  INSERT INTO boundary_area (dataset_id, level, code, name, geom)
  SELECT $1::uuid, $2::text, f->>'c', f->>'n',
         ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(ST_GeomFromGeoJSON(f->>'g'), $4::text, 4326)), 3))
  FROM json_array_elements($3::json) AS f`;

// Parent areas known by name only: an empty polygon, so no piece and never a point's own match.
const INSERT_PARENTS_SQL = `
  INSERT INTO boundary_area (dataset_id, level, code, name, geom)
  SELECT $1::uuid, $2::text, p.c, p.n, ST_GeomFromText('MULTIPOLYGON EMPTY', 4326)
  FROM json_to_recordset($3::json) AS p(c text, n text)`;

const LEVEL_RANK_SQL = (col: string) => `array_position(ARRAY['sido','sigungu','eupmyeondong','ri']::text[], ${col})`;

// The level-above area whose nesting key (area-codes.ts) is the longest prefix of the child's (equal
// keys included; then the finer level). Keys are computed once per dataset and joined by hash.
const PARENT_SQL = `
  WITH a AS MATERIALIZED (
    SELECT level, code, ${LEVEL_RANK_SQL('level')} AS rank, ${NESTING_KEY_SQL('code', 'level')} AS key
    FROM boundary_area WHERE dataset_id = $1),
  best AS (
    SELECT DISTINCT ON (c.level, c.code) c.level, c.code, p.code AS parent
    FROM a c
    CROSS JOIN LATERAL generate_series(length(c.key), 1, -1) AS k(len)
    JOIN a p ON p.key = left(c.key, k.len) AND p.rank < c.rank
    ORDER BY c.level, c.code, k.len DESC, p.rank DESC)
  UPDATE boundary_area t SET parent_code = best.parent
  FROM best
  WHERE t.dataset_id = $1 AND t.level = best.level AND t.code = best.code`;

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

async function insertBatch(q: QueryRunner, datasetId: string, layer: LayerSource, items: string[]): Promise<void> {
  const json = `[${items.join(',')}]`;
  if (layer.crs === undefined || layer.crs === 'EPSG:4326') await q.query(INSERT_BATCH_SQL, [datasetId, layer.level, json]);
  else await q.query(INSERT_PROJECTED_BATCH_SQL, [datasetId, layer.level, json, CRS_PROJ4[layer.crs]]);
}

/** Parent names collected from the layers: level → code → name and where it was first seen. */
type ParentNames = Map<AdminLevel, Map<string, { name: string; where: string }>>;

function collectParents(names: ParentNames, feature: unknown, code: string, layer: LayerSource, where: string): void {
  for (const parent of layer.parents ?? []) {
    const area = parentArea(feature, code, parent, where);
    let byCode = names.get(parent.level);
    if (!byCode) names.set(parent.level, (byCode = new Map()));
    const known = byCode.get(area.code);
    if (!known) byCode.set(area.code, { name: area.name, where });
    else if (known.name !== area.name) {
      throw new BoundaryImportError(
        `${where}: ${ADMIN_LEVEL_LABELS[parent.level]} ${area.code} is named "${area.name}" here but "${known.name}" in ${known.where}`,
      );
    }
  }
}

async function importLayer(q: QueryRunner, datasetId: string, layer: LayerSource, parents: ParentNames): Promise<number> {
  const seen = new Set<string>();
  let batch: string[] = [];
  let chars = 0;
  let n = 0;
  for await (const feature of layer.features) {
    n++;
    const where = `${layer.label}, feature ${n}`;
    const record = toAreaRecord(feature, layer, where);
    if (seen.has(record.code)) {
      throw new BoundaryImportError(`${layer.label}, feature ${n}: code "${record.code}" appears more than once in the layer`);
    }
    seen.add(record.code);
    collectParents(parents, feature, record.code, layer, where);
    const item = batchItem(record);
    batch.push(item);
    chars += item.length;
    if (batch.length >= BATCH_FEATURES || chars >= BATCH_CHARS) {
      await insertBatch(q, datasetId, layer, batch);
      batch = [];
      chars = 0;
    }
  }
  if (batch.length > 0) await insertBatch(q, datasetId, layer, batch);
  if (n === 0) throw new BoundaryImportError(`${layer.label} has no features (empty layer)`);
  await assertLonLat(q, datasetId, layer);
  return n;
}

async function insertParents(q: QueryRunner, datasetId: string, level: AdminLevel, byCode: Map<string, { name: string }>): Promise<number> {
  const rows = [...byCode].map(([c, v]) => ({ c, n: v.name }));
  for (let i = 0; i < rows.length; i += 5_000) await q.query(INSERT_PARENTS_SQL, [datasetId, level, JSON.stringify(rows.slice(i, i + 5_000))]);
  return rows.length;
}

/**
 * Catches projected files read as WGS84 (e.g. EPSG:5179 metres without --srid), and projected files
 * read in the wrong system (a .prj or --srid that does not fit): those land far from Korea.
 */
async function assertLonLat(q: QueryRunner, datasetId: string, layer: LayerSource): Promise<void> {
  const bad: { code: string }[] = await q.query(
    `SELECT code FROM boundary_area
     WHERE dataset_id = $1 AND level = $2 AND NOT ST_IsEmpty(geom)
       AND NOT (ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180 AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90)
     LIMIT 1`,
    [datasetId, layer.level],
  );
  if (bad.length > 0) {
    throw new BoundaryImportError(
      `${layer.label}: the coordinates of code ${bad[0].code} are not WGS84 longitude/latitude; ` +
        'boundary files must be in EPSG:4326, or give their coordinate system with --srid (e.g. 5179)',
    );
  }
  if (layer.crs === undefined || layer.crs === 'EPSG:4326') return;
  const [box]: { x0: number; y0: number; x1: number; y1: number }[] = await q.query(
    `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
     FROM (SELECT ST_Extent(geom) AS e FROM boundary_area WHERE dataset_id = $1 AND level = $2) s`,
    [datasetId, layer.level],
  );
  const r = (v: number) => Math.round(v * 1000) / 1000;
  if (box && (box.x1 < 120 || box.x0 > 136 || box.y1 < 30 || box.y0 > 44)) {
    throw new BoundaryImportError(
      `${layer.label}: read as ${layer.crs} the layer lies at longitude ${r(box.x0)}~${r(box.x1)}, latitude ${r(box.y0)}~${r(box.y1)}, ` +
        'far from Korea: its coordinate system is not that one (check the .prj or --srid)',
    );
  }
}

async function dissolveLevel(q: QueryRunner, datasetId: string, d: DissolvedLevel): Promise<number> {
  const length = PARENT_CODE_LENGTH[d.level];
  const areas = JSON.stringify(Object.fromEntries([...d.areas].map(([prefix, a]) => [prefix, { c: a.code, n: a.name }])));
  const missing: { prefix: string }[] = await q.query(
    `SELECT DISTINCT left(code, $3) AS prefix FROM boundary_area WHERE dataset_id = $1 AND level = $2 AND NOT ($4::jsonb ? left(code, $3))`,
    [datasetId, d.from, length, areas],
  );
  if (missing.length > 0) {
    throw new BoundaryImportError(`no ${ADMIN_LEVEL_LABELS[d.level]} for code prefix ${missing.map((m) => m.prefix).join(', ')}`);
  }
  const [{ n }]: { n: number }[] = await q.query(
    `WITH ins AS (
       INSERT INTO boundary_area (dataset_id, level, code, name, geom)
       SELECT $1::uuid, $2::text, $5::jsonb -> g.prefix ->> 'c', $5::jsonb -> g.prefix ->> 'n',
              ST_Multi(ST_CollectionExtract(ST_MakeValid(g.geom), 3))
       FROM (SELECT left(code, $4) AS prefix, ST_Union(geom) AS geom FROM boundary_area WHERE dataset_id = $1 AND level = $3 GROUP BY 1) g
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [datasetId, d.level, d.from, length, areas],
  );
  return n;
}

/**
 * Imports a dataset in ONE transaction, as a new generation with a new id: an existing (current)
 * dataset of the same name and version is marked superseded by it, atomically at commit, and keeps its
 * polygons, so jobs pinned to the old id keep their answers while new jobs get the new one; the default
 * flag moves to the new generation. Any failure leaves every dataset as it was. Returns null when
 * `onlyIfAbsent` found the dataset already there.
 */
export async function runImport(ds: DataSource, plan: ImportPlan): Promise<ImportResult | null> {
  const t0 = Date.now();
  const progress = (e: Omit<ImportProgress, 'ms'>) => plan.onProgress?.({ ...e, ms: Date.now() - t0 });
  const levels = ADMIN_LEVELS.filter(
    (l) => plan.layers.some((s) => s.level === l || s.parents?.some((p) => p.level === l)) || plan.dissolve?.some((d) => d.level === l),
  );
  const { meta } = plan;
  const q = ds.createQueryRunner();
  await q.connect();
  let result: ImportResult;
  try {
    await q.startTransaction();
    // Two imports of the same name and version run one after the other.
    await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [IMPORT_LOCK_CLASS, `${meta.name}\u001f${meta.version}`]);
    if (plan.onlyIfAbsent) {
      const [{ present }]: { present: boolean }[] = await q.query(
        'SELECT EXISTS (SELECT 1 FROM dataset WHERE name = $1 AND version = $2 AND superseded_at IS NULL) AS present',
        [meta.name, meta.version],
      );
      if (present) {
        await q.rollbackTransaction();
        return null;
      }
    }
    // The current generation steps aside first (the unique index covers current datasets only); other
    // sessions keep seeing it as current until this transaction commits.
    // TypeORM answers an UPDATE with [rows, affected].
    const [[previous]]: [{ id: string; was_default: boolean }[], number] = await q.query(
      `UPDATE dataset d SET superseded_at = now(), is_default = false
       FROM dataset old
       WHERE old.id = d.id AND d.name = $1 AND d.version = $2 AND d.superseded_at IS NULL
       RETURNING d.id, old.is_default AS was_default`,
      [meta.name, meta.version],
    );
    const [row]: { id: string }[] = await q.query(
      `INSERT INTO dataset (name, version, effective_date, levels, attribution, simplified, notes)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id`,
      [meta.name, meta.version, meta.effectiveDate, levels, meta.attribution, meta.simplified ?? false, meta.notes ?? ''],
    );
    const datasetId = row.id;

    const counts: Partial<Record<AdminLevel, number>> = {};
    const parentNames: ParentNames = new Map();
    for (const layer of [...plan.layers].sort((a, b) => ADMIN_LEVELS.indexOf(a.level) - ADMIN_LEVELS.indexOf(b.level))) {
      if (counts[layer.level] !== undefined) throw new BoundaryImportError(`level ${layer.level} is given twice`);
      counts[layer.level] = await importLayer(q, datasetId, layer, parentNames);
      progress({ step: 'layer', level: layer.level, count: counts[layer.level] });
    }
    const parentCounts: Partial<Record<AdminLevel, number>> = {};
    for (const level of ADMIN_LEVELS) {
      const byCode = parentNames.get(level);
      if (!byCode) continue;
      if (counts[level] !== undefined) throw new BoundaryImportError(`level ${level} has a layer and parent names both`);
      parentCounts[level] = await insertParents(q, datasetId, level, byCode);
      progress({ step: 'parent-names', level, count: parentCounts[level] });
    }
    for (const d of plan.dissolve ?? []) {
      if (counts[d.level] !== undefined) throw new BoundaryImportError(`level ${d.level} has a layer and is dissolved both`);
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
    if (previous) {
      await q.query('UPDATE dataset SET superseded_at = clock_timestamp(), superseded_by = $2 WHERE id = $1', [previous.id, datasetId]);
    }
    // The default moves to the new generation of the default dataset, or to a dataset imported as the default.
    if (meta.isDefault || previous?.was_default) {
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
      parentCounts,
      parts,
      replaced: previous !== undefined,
      ...(previous ? { supersededId: previous.id } : {}),
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
