// The import's area rows: each layer's features in batches, parents known by name only, and levels
// dissolved from finer ones, all inside the runner's transaction.
import type { QueryRunner } from 'typeorm';
import { ADMIN_LEVELS, ADMIN_LEVEL_LABELS, type AdminLevel } from '@geobatch/contracts';
import { CRS_PROJ4 } from '../lookup/coordinate-systems';
import { PARENT_CODE_LENGTH } from './area-codes';
import { BoundaryImportError } from './feature-collection.scanner';
import { parentArea, toAreaRecord, type AreaRecord } from './geojson-features';
import type { DissolvedLevel, ImportPlan, LayerSource, StepProgress } from './import-plan';

/** Features per INSERT statement, and a cap on the statement's JSON size for very detailed polygons. */
const BATCH_FEATURES = 200;
const BATCH_CHARS = 8_000_000;
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


/** Features read per layer (and areas made per dissolved level), and areas made from parent names. */
export interface AreaCounts {
  counts: Partial<Record<AdminLevel, number>>;
  parentCounts: Partial<Record<AdminLevel, number>>;
}

/** Every area of the new dataset: the layers (coarsest first), then the parent names, then the dissolved levels. */
export async function importAreas(q: QueryRunner, datasetId: string, plan: Pick<ImportPlan, 'layers' | 'dissolve'>, progress: StepProgress): Promise<AreaCounts> {
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
  return { counts, parentCounts };
}
