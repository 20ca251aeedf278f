import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThanOrEqual, Not, type FindOptionsWhere, type Repository } from 'typeorm';
import { isUUID } from 'class-validator';
import { Dataset } from './entities/dataset.entity';

/**
 * Which datasets a caller may use: with `visibleTo` (an API key id), the shared ones (no owner) and
 * that key's own; without it, every dataset (tools and the CLI, which work on the database directly).
 */
export interface DatasetScope {
  visibleTo?: string;
}

/** The `where` of a find, once per owner a scope allows (TypeORM ORs the entries of an array). */
function scoped(where: FindOptionsWhere<Dataset>, scope: DatasetScope): FindOptionsWhere<Dataset> | FindOptionsWhere<Dataset>[] {
  if (scope.visibleTo === undefined) return where;
  const owners = isUUID(scope.visibleTo) ? [IsNull(), scope.visibleTo] : [IsNull()];
  return owners.map((ownerKeyId) => ({ ...where, ownerKeyId }));
}

/**
 * `FROM … WHERE …` of the queued or running jobs that read the dataset whose id is the SQL expression
 * `idSql`: pinned as an output group (`datasetIds`) or as an older version of a dated series
 * (`datasetVersionIds`). The one definition of "in use" for every delete of a dataset.
 */
export function activeJobPinsSql(idSql: string): string {
  return `FROM job j
    WHERE j.status IN ('queued', 'running')
      AND (j.options -> 'datasetIds' @> jsonb_build_array((${idSql})::text)
           OR j.options -> 'datasetVersionIds' @> jsonb_build_array((${idSql})::text))`;
}

/** A superseded dataset removed by {@link DatasetRepository.deleteSupersededUnused}. */
export interface DeletedDataset {
  id: string;
  name: string;
  version: string;
  supersededAt: Date;
}

/**
 * Reads and removes boundary datasets (imports go through BoundaryImporter). `list`, `findByName` and
 * `findDefault` see only current datasets; `findById` also finds superseded generations, because jobs
 * pin datasets by id and must keep the polygons they started with.
 */
@Injectable()
export class DatasetRepository {
  private readonly repo: Repository<Dataset>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(Dataset);
  }

  /** Every current dataset (within the scope), by name, newest first within a name. */
  list(scope: DatasetScope = {}): Promise<Dataset[]> {
    return this.repo.find({
      where: scoped({ supersededAt: IsNull() }, scope),
      order: { name: 'ASC', effectiveDate: { direction: 'DESC', nulls: 'LAST' }, createdAt: 'DESC' },
    });
  }

  /** That exact version when given, else the latest: newest effective date, then most recently imported. Current datasets only. */
  findByName(name: string, version?: string, scope: DatasetScope = {}): Promise<Dataset | null> {
    return this.repo.findOne({
      where: scoped(version === undefined ? { name, supersededAt: IsNull() } : { name, version, supersededAt: IsNull() }, scope),
      order: { effectiveDate: { direction: 'DESC', nulls: 'LAST' }, createdAt: 'DESC' },
    });
  }

  findDefault(scope: DatasetScope = {}): Promise<Dataset | null> {
    return this.repo.findOne({ where: scoped({ isDefault: true, supersededAt: IsNull() }, scope) });
  }

  /**
   * Any generation, superseded ones included. Null for unknown ids, including strings that are not
   * UUIDs at all, and (with `visibleTo`) for another key's dataset.
   */
  async findById(id: string, scope: DatasetScope = {}): Promise<Dataset | null> {
    if (!isUUID(id)) return null;
    return this.repo.findOne({ where: scoped({ id }, scope) });
  }

  /** Superseded generations, superseded at or before `olderThan` (all of them when omitted), oldest first. */
  listSuperseded(olderThan?: Date): Promise<Dataset[]> {
    return this.repo.find({
      where: { supersededAt: olderThan ? LessThanOrEqual(olderThan) : Not(IsNull()) },
      order: { supersededAt: 'ASC' },
    });
  }

  /** Deletes a dataset with its areas and pieces; false when there was none. */
  async delete(id: string): Promise<boolean> {
    if (!isUUID(id)) return false;
    const res = await this.repo.delete({ id });
    return (res.affected ?? 0) > 0;
  }

  /**
   * Deletes the datasets superseded at or before `olderThan` that no queued or running job is pinned
   * to (`job.options->'datasetIds'`, or `->'datasetVersionIds'` for a dated job's older versions), with their areas and pieces, and returns them. A job accepted
   * just before a re-import may still pin the old generation a moment later, so pass a time well in
   * the past (e.g. an hour ago), never now. Without a `job` table, no job pins anything.
   * `options.name` limits the cleanup to the generations of one dataset name.
   */
  async deleteSupersededUnused(olderThan: Date, options: { name?: string } = {}): Promise<DeletedDataset[]> {
    const [{ jobs }]: { jobs: boolean }[] = await this.dataSource.query(`SELECT to_regclass('job') IS NOT NULL AS jobs`);
    const pinned = jobs ? `AND NOT EXISTS (SELECT 1 ${activeJobPinsSql('d.id')})` : '';
    // TypeORM answers a DELETE with [rows, affected].
    const [rows]: [{ id: string; name: string; version: string; superseded_at: Date }[], number] = await this.dataSource.query(
      `DELETE FROM dataset d
       WHERE d.superseded_at IS NOT NULL AND d.superseded_at <= $1 AND ($2::text IS NULL OR d.name = $2) ${pinned}
       RETURNING d.id, d.name, d.version, d.superseded_at`,
      [olderThan, options.name ?? null],
    );
    return rows
      .map((r) => ({ id: r.id, name: r.name, version: r.version, supersededAt: r.superseded_at }))
      .sort((a, b) => a.supersededAt.getTime() - b.supersededAt.getTime());
  }
}
