import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { Dataset } from './entities/dataset.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads and removes boundary datasets (imports go through BoundaryImporter). */
@Injectable()
export class DatasetRepository {
  private readonly repo: Repository<Dataset>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(Dataset);
  }

  /** Every dataset, by name, newest first within a name. */
  list(): Promise<Dataset[]> {
    return this.repo.find({ order: { name: 'ASC', effectiveDate: { direction: 'DESC', nulls: 'LAST' }, createdAt: 'DESC' } });
  }

  /** That exact version when given, else the latest: newest effective date, then most recently imported. */
  findByName(name: string, version?: string): Promise<Dataset | null> {
    return this.repo.findOne({
      where: version === undefined ? { name } : { name, version },
      order: { effectiveDate: { direction: 'DESC', nulls: 'LAST' }, createdAt: 'DESC' },
    });
  }

  findDefault(): Promise<Dataset | null> {
    return this.repo.findOne({ where: { isDefault: true } });
  }

  /** Null for unknown ids, including strings that are not UUIDs at all. */
  async findById(id: string): Promise<Dataset | null> {
    if (!UUID.test(id)) return null;
    return this.repo.findOne({ where: { id } });
  }

  /** Deletes a dataset with its areas and pieces; false when there was none. */
  async delete(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const res = await this.repo.delete({ id });
    return (res.affected ?? 0) > 0;
  }
}
