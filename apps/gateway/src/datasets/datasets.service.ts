import { rm } from 'node:fs/promises';
import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource } from 'typeorm';
import {
  ADMIN_LEVELS,
  CreateDatasetDto,
  JobStatus,
  type AdminLevel,
  type DatasetDto,
  type DatasetListDto,
} from '@geobatch/contracts';
import {
  BoundaryImporter,
  BoundaryImportError,
  DatasetRepository,
  type Dataset,
  type FieldOption,
  type LevelFiles,
} from '@geobatch/geo-query';
import type { ApiPrincipal } from '../auth/auth.decorators';

/** A boundary file as multer stored it. */
export interface DatasetUpload {
  fieldname: string;
  originalname: string;
  path: string;
  size: number;
}

/** Multipart fields that carry a boundary file: one per level. */
export const LEVEL_FIELDS: readonly AdminLevel[] = ADMIN_LEVELS;

/** Statuses of a job that may still read its datasets (as DatasetRepository.deleteSupersededUnused counts them). */
const ACTIVE_JOB_STATUSES: readonly string[] = [JobStatus.Queued, JobStatus.Running];

/** Null for a dataset every key sees. */
function ownerOf(d: Dataset): string | null {
  return d.ownerKeyId ?? null;
}

export function datasetDto(d: Dataset): DatasetDto {
  return {
    id: d.id,
    name: d.name,
    version: d.version,
    effectiveDate: d.effectiveDate,
    levels: [...d.levels],
    featureCounts: { ...d.featureCounts } as Record<string, number>,
    attribution: d.attribution,
    isDefault: d.isDefault,
    shared: ownerOf(d) === null,
    createdAt: d.createdAt.toISOString(),
    superseded: d.supersededAt !== null,
    supersededAt: d.supersededAt?.toISOString() ?? null,
  };
}

/** `FIELD` for every level, or `LEVEL=FIELD[,LEVEL=FIELD…]`. */
function fieldOption(value: string | undefined, field: string): FieldOption | undefined {
  if (value === undefined) return undefined;
  if (!value.includes('=')) return value.trim();
  return levelPairs(value, field);
}

function levelPairs(value: string, field: string): Partial<Record<AdminLevel, string>> {
  const out: Partial<Record<AdminLevel, string>> = {};
  for (const pair of value.split(',')) {
    const [level, name] = pair.split('=').map((s) => s.trim());
    if (!(ADMIN_LEVELS as readonly string[]).includes(level) || !name) {
      throw new BadRequestException(`${field}: "${pair.trim()}"은(는) LEVEL=FIELD 형식이 아닙니다 (expected LEVEL=FIELD with LEVEL one of ${ADMIN_LEVELS.join(', ')})`);
    }
    out[level as AdminLevel] = name;
  }
  return out;
}

/** The importer speaks to the command line; over HTTP its flags are form fields. */
const CLI_FLAGS: [RegExp, string][] = [
  [/--srid\b/g, '"srid"'],
  [/--encoding\b/g, '"encoding"'],
  [/--code-field\b/g, '"codeField"'],
  [/--name-field\b/g, '"nameField"'],
  [/--parent-name-field\b/g, '"parentNameFields"'],
];

/**
 * `GET/POST /datasets`, `DELETE /datasets/:id`. Imports go through the same BoundaryImporter as the
 * CLI: one transaction, so a refused file leaves every dataset as it was.
 */
@Injectable()
export class DatasetsService {
  private readonly logger = new Logger(DatasetsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly datasets: DatasetRepository,
  ) {}

  /** Shared datasets and the caller's own (an admin key sees every dataset); current generations unless `all`. */
  async list(principal: ApiPrincipal, all: boolean): Promise<DatasetListDto> {
    const current = await this.datasets.list();
    const rows = all ? [...current, ...(await this.datasets.listSuperseded())] : current;
    const visible = rows.filter((d) => this.visibleTo(d, principal));
    visible.sort((a, b) => a.name.localeCompare(b.name) || Number(a.supersededAt !== null) - Number(b.supersededAt !== null) || b.createdAt.getTime() - a.createdAt.getTime());
    return { items: visible.map(datasetDto) };
  }

  async get(id: string, principal: ApiPrincipal): Promise<DatasetDto> {
    const found = await this.datasets.findById(id);
    if (!found || !this.visibleTo(found, principal)) throw new NotFoundException(`dataset ${id} not found`);
    return datasetDto(found);
  }

  /** Imports the uploaded files as a new dataset (generation); the uploads are deleted afterwards, imported or not. */
  async create(uploads: DatasetUpload[], fields: unknown, principal: ApiPrincipal, requestId?: string): Promise<DatasetDto> {
    try {
      const dto = await this.validateFields(fields);
      const levels = this.levelFiles(uploads);
      const t0 = Date.now();
      let result;
      try {
        result = await new BoundaryImporter(this.dataSource).importGeoJson({
          name: dto.name,
          version: dto.version,
          effectiveDate: dto.effectiveDate,
          attribution: dto.attribution,
          isDefault: dto.isDefault === 'true',
          levels,
          codeField: fieldOption(dto.codeField, 'codeField'),
          nameField: fieldOption(dto.nameField, 'nameField'),
          nameLastWord: dto.nameLastWord === 'true' ? true : undefined,
          parentNameFields: dto.parentNameFields !== undefined ? levelPairs(dto.parentNameFields, 'parentNameFields') : undefined,
          srid: dto.srid !== undefined ? Number(dto.srid.replace(/^EPSG:/i, '')) : undefined,
          encoding: dto.encoding,
        });
      } catch (e) {
        if (e instanceof BoundaryImportError) {
          throw new BadRequestException(`경계 파일을 가져올 수 없습니다 (import refused: ${this.forHttp(e.message, uploads)})`);
        }
        throw e;
      }
      if (dto.shared === 'false') {
        // Only the importing key sees it. Set right after the commit: the importer knows no owners.
        await this.dataSource.query('UPDATE dataset SET owner_key_id = $2 WHERE id = $1', [result.datasetId, principal.keyId]);
      }
      const dataset = await this.datasets.findById(result.datasetId);
      this.logger.log({
        msg: 'dataset imported',
        requestId,
        datasetId: result.datasetId,
        dataset: `${result.name}@${result.version}`,
        featureCounts: result.featureCounts,
        replaced: result.supersededId ?? null,
        byKey: principal.keyId,
        ms: Date.now() - t0,
      });
      return datasetDto(dataset!);
    } finally {
      await Promise.all(uploads.map((u) => rm(u.path, { force: true })));
    }
  }

  /** Deletes a dataset generation with its polygons, unless a job that has not ended is pinned to it. */
  async delete(id: string, principal: ApiPrincipal, requestId?: string): Promise<void> {
    const found = await this.datasets.findById(id);
    if (!found) throw new NotFoundException(`dataset ${id} not found`);
    // One statement: the pin check and the delete see the same jobs.
    const [row]: { pinned: number; deleted: number }[] = await this.dataSource.query(
      `WITH pinned AS (
         SELECT count(*)::int AS n FROM job j
         WHERE j.status = ANY($2::text[]) AND j.options -> 'datasetIds' @> jsonb_build_array($1::text)),
       del AS (
         DELETE FROM dataset d WHERE d.id = $1::uuid AND (SELECT n FROM pinned) = 0 RETURNING d.id)
       SELECT (SELECT n FROM pinned) AS pinned, (SELECT count(*)::int FROM del) AS deleted`,
      [id, ACTIVE_JOB_STATUSES],
    );
    if (row.pinned > 0) {
      throw new ConflictException(
        `dataset: ${found.name}@${found.version}을(를) 쓰는 작업이 ${row.pinned}개 진행 중입니다 ` +
          `(${row.pinned} job(s) not yet ended are pinned to dataset ${id}; delete it once they end)`,
      );
    }
    if (row.deleted === 0) throw new NotFoundException(`dataset ${id} not found`);
    this.logger.log({ msg: 'dataset deleted', requestId, datasetId: id, dataset: `${found.name}@${found.version}`, byKey: principal.keyId });
  }

  private visibleTo(d: Dataset, principal: ApiPrincipal): boolean {
    const owner = ownerOf(d);
    return owner === null || owner === principal.keyId || principal.admin;
  }

  private async validateFields(fields: unknown): Promise<CreateDatasetDto> {
    const plain = fields !== null && typeof fields === 'object' ? fields : {};
    const dto = plainToInstance(CreateDatasetDto, plain);
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length === 0) return dto;
    const problems = errors.map((e) => {
      if (e.constraints?.whitelistValidation) return `${e.property}: 알 수 없는 필드입니다 (unknown field)`;
      if (e.value === '') return `${e.property}: 비어 있습니다 (empty: leave the field out instead)`;
      return `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`;
    });
    throw new BadRequestException(problems.join('; '));
  }

  private levelFiles(uploads: DatasetUpload[]): LevelFiles {
    const levels: LevelFiles = {};
    for (const u of uploads) {
      if (!(LEVEL_FIELDS as readonly string[]).includes(u.fieldname)) {
        throw new BadRequestException(
          `${u.fieldname}: 경계 파일은 ${LEVEL_FIELDS.join(', ')} 필드로 보내세요 (unexpected file field "${u.fieldname}"; one file per level: ${LEVEL_FIELDS.join(', ')})`,
        );
      }
      if (levels[u.fieldname as AdminLevel] !== undefined) {
        throw new BadRequestException(`${u.fieldname}: 수준마다 파일 하나 (one file per level; "${u.fieldname}" was sent twice)`);
      }
      levels[u.fieldname as AdminLevel] = u.path;
    }
    if (Object.keys(levels).length === 0) {
      throw new BadRequestException(
        `경계 파일이 없습니다 (no boundary file: send a GeoJSON or zipped shapefile in at least one of the fields ${LEVEL_FIELDS.join(', ')})`,
      );
    }
    return levels;
  }

  /** An importer message with the stored file names replaced by the uploaded ones and CLI flags by form fields. */
  private forHttp(message: string, uploads: DatasetUpload[]): string {
    let out = message;
    for (const u of uploads) out = out.split(u.path).join(`"${u.originalname || u.fieldname}"`);
    for (const [flag, field] of CLI_FLAGS) out = out.replace(flag, field);
    return out;
  }
}
