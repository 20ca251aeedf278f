import type { DataSource, QueryRunner } from 'typeorm';
import { ADMIN_LEVELS, type AdminLevel } from '@geobatch/contracts';
import { NESTING_KEY_SQL } from './area-codes';
import { importAreas } from './boundary-import.layers';
import { closeGeneration, lockImport, openGeneration } from './boundary-import.generation';
import type { ImportPlan, ImportResult, StepProgress } from './import-plan';

/** ST_Subdivide's vertex budget per piece. */
const PART_MAX_VERTICES = 64;
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

/** Links every area to its parent and cuts the polygons into boundary_part pieces; answers the pieces made. */
async function linkAndSubdivide(q: QueryRunner, datasetId: string, progress: StepProgress): Promise<number> {
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
  return parts;
}

/** Levels the dataset answers with: those of the layers, of the parent names and of the dissolved levels. */
function datasetLevels(plan: ImportPlan): AdminLevel[] {
  return ADMIN_LEVELS.filter(
    (l) => plan.layers.some((s) => s.level === l || s.parents?.some((p) => p.level === l)) || plan.dissolve?.some((d) => d.level === l),
  );
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
  const progress: StepProgress = (e) => plan.onProgress?.({ ...e, ms: Date.now() - t0 });
  const levels = datasetLevels(plan);
  const { meta } = plan;
  const q = ds.createQueryRunner();
  await q.connect();
  let result: ImportResult;
  try {
    await q.startTransaction();
    if (!(await lockImport(q, meta, plan.onlyIfAbsent))) {
      await q.rollbackTransaction();
      return null;
    }
    const { datasetId, previous } = await openGeneration(q, meta, levels);
    const { counts, parentCounts } = await importAreas(q, datasetId, plan, progress);
    const parts = await linkAndSubdivide(q, datasetId, progress);
    const ordered = Object.fromEntries(ADMIN_LEVELS.filter((l) => counts[l] !== undefined).map((l) => [l, counts[l]]));
    const isDefault = await closeGeneration(q, datasetId, meta, previous, ordered);
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
      isDefault,
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
