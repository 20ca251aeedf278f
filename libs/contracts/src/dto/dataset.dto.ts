import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** A boundary dataset generation, as `GET /datasets` and `POST /datasets` answer. */
export class DatasetDto {
  /** Id of this generation; jobs pin datasets by it. */
  id!: string;
  /** Dataset name, e.g. `kostat`. */
  name!: string;
  /** Version label, e.g. `2018`. */
  version!: string;
  /** `YYYY-MM-DD` the boundaries are valid for, when known. */
  effectiveDate!: string | null;
  /** Levels present, most general first: `sido`, `sigungu`, `eupmyeondong`, `ri`. */
  levels!: string[];
  /** Features imported per level, e.g. `{ "sido": 17, "sigungu": 250 }`. */
  featureCounts!: Record<string, number>;
  /** Credit line required by the data's licence. */
  attribution!: string;
  /** Generalised outlines (the built-in datasets): a first answer, not boundary-exact; see `notes`. */
  simplified!: boolean;
  /** What to know about the data: accuracy, missing levels, known holes. Empty when there is nothing to say. */
  notes!: string;
  /** The dataset jobs use when they name none. */
  isDefault!: boolean;
  /** True for a dataset every key sees; false for one only its owner key sees. */
  shared!: boolean;
  /** ISO 8601 time of the import. */
  createdAt!: string;
  /** A later import of the same name and version replaced this generation (listed only with `all=true`). */
  superseded!: boolean;
  /** ISO 8601 time it was superseded, or null while current. */
  supersededAt!: string | null;
}

/** Answer of `GET /datasets`. */
export class DatasetListDto {
  /** Current generations, by name; superseded ones too with `all=true`. */
  items!: DatasetDto[];
}

/** Query of `GET /datasets`. */
export class ListDatasetsQueryDto {
  /** `true` also lists superseded generations (still pinned by the jobs that started with them). */
  @IsOptional()
  @IsIn(['true', 'false'])
  all?: string;
}

/** Layouts of official downloads that `POST /datasets` imports as they come (the importer's presets). */
export const DATASET_PRESETS = ['juso', 'admdongkor', 'kostat'] as const;

/** `true` or `false`, as a form sends them. */
const BOOLEAN_TEXT = ['true', 'false'] as const;
/** `FIELD` for every level, or `LEVEL=FIELD` pairs separated by commas. */
const FIELD_SPEC = /^[^\s=,]+$|^\s*[a-z]+\s*=\s*[^\s=,]+\s*(?:,\s*[a-z]+\s*=\s*[^\s=,]+\s*)*$/;

/**
 * Text fields of the `POST /datasets` multipart form. The boundary files travel in the fields
 * `sido`, `sigungu`, `eupmyeondong` and `ri` (any subset, at least one): each a GeoJSON
 * FeatureCollection or a zipped ESRI shapefile, told apart by content. With `preset`, the downloaded
 * files travel in the field `files` instead.
 */
export class CreateDatasetDto {
  /** Dataset name: letters, digits, `.`, `_` and `-`, e.g. `kostat`. Required without `preset` (each preset has a default). */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  /**
   * Import official downloads as they come, sent in the `files` field: `juso` (도로명주소 전자지도 구역의 도형 zips,
   * one per 시도 or one national; makes the datasets `juso` and `juso-hjd`), `admdongkor`
   * (`HangJeongDong_verYYYYMMDD.geojson`) or `kostat` (SGIS census `sido`/`sgg`/`emd` layers). The answer is then a list.
   */
  @IsOptional()
  @IsIn(DATASET_PRESETS)
  preset?: string;

  /** Version label; `1` when omitted. Importing an existing name and version replaces it (jobs already running keep the old one). */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  version?: string;

  /** `YYYY-MM-DD` the boundaries are valid for. */
  @IsOptional()
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  effectiveDate?: string;

  /** Credit line required by the data's licence, e.g. `통계청 통계지리정보서비스(SGIS)`. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  attribution?: string;

  /** EPSG code of the files' coordinates (4326, 5179, 5186, 5181, 5174, 3857 or 32652); overrides a shapefile's `.prj`. GeoJSON is 4326 without it. */
  @IsOptional()
  @IsString()
  @Matches(/^(?:EPSG:)?\d{4,5}$/i)
  srid?: string;

  /** Text encoding of shapefile attributes, e.g. `cp949` or `utf-8`; overrides the `.cpg`, detected when neither is given. */
  @IsOptional()
  @IsString()
  @MaxLength(40)
  encoding?: string;

  /** Property holding the area code: one name for every level (`code` by default), or `LEVEL=FIELD` pairs, e.g. `sido=CTPRVN_CD,sigungu=SIG_CD`. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(FIELD_SPEC)
  codeField?: string;

  /** Property holding the area name: one name for every level (`name` by default), or `LEVEL=FIELD` pairs, e.g. `sido=CTP_KOR_NM,sigungu=SIG_KOR_NM`. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(FIELD_SPEC)
  nameField?: string;

  /** `true` keeps only the last word of each name (`서울특별시 종로구 사직동` → `사직동`). */
  @IsOptional()
  @IsIn(BOOLEAN_TEXT)
  nameLastWord?: string;

  /** Levels without a file of their own, named from the features' properties as `LEVEL=FIELD` pairs, e.g. `sido=sidonm,sigungu=sggnm`. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(FIELD_SPEC)
  parentNameFields?: string;

  /** `true` makes it the default dataset. */
  @IsOptional()
  @IsIn(BOOLEAN_TEXT)
  isDefault?: string;

  /** `false` makes the dataset visible to the uploading key only; shared with every key by default. */
  @IsOptional()
  @IsIn(BOOLEAN_TEXT)
  shared?: string;
}

