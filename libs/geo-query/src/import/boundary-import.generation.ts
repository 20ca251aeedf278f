// The import's dataset row: the lock on its name and version, the new generation superseding the
// current one, and at the end its counts, its link from the superseded generation and the default flag.
import type { QueryRunner } from 'typeorm';
import type { AdminLevel } from '@geobatch/contracts';
import type { DatasetMeta } from './import-options';

/** First key of the two-key advisory lock serialising imports of one name+version (the second is a hash of both). */
const IMPORT_LOCK_CLASS = 7_670_003;

/** The generation a new import supersedes. */
export interface PreviousGeneration {
  id: string;
  was_default: boolean;
}

/**
 * Two imports of the same name and version run one after the other. With `onlyIfAbsent`, answers
 * false when a current dataset already has them (checked under the lock).
 */
export async function lockImport(q: QueryRunner, meta: DatasetMeta, onlyIfAbsent: boolean | undefined): Promise<boolean> {
  await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [IMPORT_LOCK_CLASS, `${meta.name}\u001f${meta.version}`]);
  if (!onlyIfAbsent) return true;
  const [{ present }]: { present: boolean }[] = await q.query(
    'SELECT EXISTS (SELECT 1 FROM dataset WHERE name = $1 AND version = $2 AND superseded_at IS NULL) AS present',
    [meta.name, meta.version],
  );
  return !present;
}

/** Inserts the new generation's dataset row; answers its id and the generation it supersedes. */
export async function openGeneration(q: QueryRunner, meta: DatasetMeta, levels: AdminLevel[]): Promise<{ datasetId: string; previous?: PreviousGeneration }> {
  // The current generation steps aside first (the unique index covers current datasets only); other
  // sessions keep seeing it as current until this transaction commits.
  // TypeORM answers an UPDATE with [rows, affected].
  const [[previous]]: [PreviousGeneration[], number] = await q.query(
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
  return { datasetId: row.id, previous };
}

/** Records the feature counts, links the superseded generation and moves the default; answers whether the new one is the default. */
export async function closeGeneration(
  q: QueryRunner,
  datasetId: string,
  meta: DatasetMeta,
  previous: PreviousGeneration | undefined,
  featureCounts: Partial<Record<AdminLevel, number>>,
): Promise<boolean> {
  await q.query('UPDATE dataset SET feature_counts = $2::jsonb WHERE id = $1', [datasetId, JSON.stringify(featureCounts)]);
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
  return is_default;
}
