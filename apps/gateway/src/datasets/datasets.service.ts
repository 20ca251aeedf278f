import { mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  ADMIN_LEVELS,
  type AdminLevel,
  type CreateDatasetDto,
  type DatasetDto,
  type DatasetListDto,
} from '@geobatch/contracts';
import {
  activeJobPinsSql,
  BoundaryImporter,
  BoundaryImportError,
  DatasetRepository,
  type Dataset,
  type FieldOption,
  type ImportResult,
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

/** The multipart field of the downloads a `preset` imports (several files). */
export const PRESET_FILES_FIELD = 'files';

/** Files one request may carry: the 17 per-시도 zips of a 도로명주소 download fit. */
export const MAX_DATASET_FILES = 20;

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
    simplified: d.simplified,
    notes: d.notes,
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
  [/--effective-date\b/g, '"effectiveDate"'],
  [/--version\b/g, '"version"'],
  [/--preset\b/g, '"preset"'],
];

/** An uploaded file's own name, made safe to be a file name on the server. */
function safeFileName(original: string, index: number): string {
  const name = basename(original.replace(/\\/g, '/')).replace(/[^\p{L}\p{N}._-]+/gu, '_');
  return name === '' || /^\.+$/.test(name) ? `file-${index + 1}` : name;
}

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

  /**
   * Imports the uploaded files as a new dataset (generation), or with `preset` as the datasets the
   * preset makes (then answered as a list); the uploads are deleted afterwards, imported or not.
   */
  async create(uploads: DatasetUpload[], dto: CreateDatasetDto, principal: ApiPrincipal, requestId?: string): Promise<DatasetDto | DatasetListDto> {
    let presetDir: string | undefined;
    // Server paths as the client knows the files, for messages.
    const shown = uploads.map((u) => ({ path: u.path, as: u.originalname || u.fieldname }));
    try {
      const t0 = Date.now();
      const importer = new BoundaryImporter(this.dataSource);
      let results: ImportResult[];
      try {
        if (dto.preset !== undefined) {
          const moved = await this.presetFiles(uploads);
          presetDir = moved.dir;
          shown.push(...moved.files.map((f) => ({ path: f.path, as: f.name })));
          results = await importer.importPreset({
            preset: dto.preset,
            files: moved.files.map((f) => f.path),
            name: dto.name,
            version: dto.version,
            effectiveDate: dto.effectiveDate,
            attribution: dto.attribution,
            isDefault: dto.isDefault === 'true',
            srid: dto.srid !== undefined ? Number(dto.srid.replace(/^EPSG:/i, '')) : undefined,
            encoding: dto.encoding,
          });
        } else {
          results = [await this.importLevels(importer, dto, uploads)];
        }
      } catch (e) {
        if (e instanceof BoundaryImportError) {
          // Mapped to 400 by the exception filter, with the server's paths and the CLI's flags as the client knows them.
          throw new BoundaryImportError(this.forHttp(e.message, shown));
        }
        throw e;
      }
      const out: DatasetDto[] = [];
      for (const result of results) {
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
          preset: dto.preset ?? null,
          featureCounts: result.featureCounts,
          replaced: result.supersededId ?? null,
          byKey: principal.keyId,
          ms: Date.now() - t0,
        });
        out.push(datasetDto(dataset!));
      }
      return dto.preset !== undefined ? { items: out } : out[0];
    } finally {
      await Promise.all(uploads.map((u) => rm(u.path, { force: true })));
      if (presetDir !== undefined) await rm(presetDir, { recursive: true, force: true });
    }
  }

  /** One file per level, with the field options of the form. */
  private async importLevels(importer: BoundaryImporter, dto: CreateDatasetDto, uploads: DatasetUpload[]): Promise<ImportResult> {
    if (dto.name === undefined) throw new BadRequestException('name: 필수입니다 (required, unless a preset is given)');
    const levels = this.levelFiles(uploads);
    return importer.importGeoJson({
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
  }

  /**
   * The downloads of a preset, all in the `files` field, moved under their own names into a folder of
   * their own: presets read names (e.g. the release date of `HangJeongDong_ver20230701.geojson`).
   */
  private async presetFiles(uploads: DatasetUpload[]): Promise<{ dir: string; files: { path: string; name: string }[] }> {
    const wrong = uploads.find((u) => u.fieldname !== PRESET_FILES_FIELD);
    if (wrong) {
      throw new BadRequestException(
        `${wrong.fieldname}: preset이 있으면 파일은 ${PRESET_FILES_FIELD} 필드로 보내세요 (with a preset, send the downloads in the "${PRESET_FILES_FIELD}" field, not "${wrong.fieldname}")`,
      );
    }
    if (uploads.length === 0) {
      throw new BadRequestException(`파일이 없습니다 (no file: with a preset, send the downloaded files in the "${PRESET_FILES_FIELD}" field)`);
    }
    const names = uploads.map((u, i) => safeFileName(u.originalname ?? '', i));
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new BadRequestException(`${PRESET_FILES_FIELD}: "${dup}"이(가) 두 번 왔습니다 (the file "${dup}" was sent twice)`);
    const dir = await mkdtemp(join(dirname(uploads[0].path), 'preset-'));
    const files: { path: string; name: string }[] = [];
    for (const [i, u] of uploads.entries()) {
      const path = join(dir, names[i]);
      await rename(u.path, path);
      files.push({ path, name: names[i] });
    }
    return { dir, files };
  }

  /** Deletes a dataset generation with its polygons, unless a job that has not ended is pinned to it. */
  async delete(id: string, principal: ApiPrincipal, requestId?: string): Promise<void> {
    const found = await this.datasets.findById(id);
    if (!found) throw new NotFoundException(`dataset ${id} not found`);
    // One statement: the pin check and the delete see the same jobs.
    const [row]: { pinned: number; deleted: number }[] = await this.dataSource.query(
      `WITH pinned AS (SELECT count(*)::int AS n ${activeJobPinsSql('$1')}),
       del AS (
         DELETE FROM dataset d WHERE d.id = $1::uuid AND (SELECT n FROM pinned) = 0 RETURNING d.id)
       SELECT (SELECT n FROM pinned) AS pinned, (SELECT count(*)::int FROM del) AS deleted`,
      [id],
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

  private levelFiles(uploads: DatasetUpload[]): LevelFiles {
    const levels: LevelFiles = {};
    for (const u of uploads) {
      if (u.fieldname === PRESET_FILES_FIELD) {
        throw new BadRequestException(`${PRESET_FILES_FIELD}: 이 필드는 preset과 함께 씁니다 (the "${PRESET_FILES_FIELD}" field is for a preset: give "preset", or send one file per level in ${LEVEL_FIELDS.join(', ')})`);
      }
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
  private forHttp(message: string, shown: { path: string; as: string }[]): string {
    let out = message;
    for (const u of shown) out = out.split(u.path).join(`"${u.as}"`);
    for (const [flag, field] of CLI_FLAGS) out = out.replace(flag, field);
    return out;
  }
}
