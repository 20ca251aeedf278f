import type { Command } from 'commander';
import { ADMIN_LEVELS, ADMIN_LEVEL_LABELS, INPUT_CRS, type AdminLevel } from '@geobatch/contracts';
import {
  BoundaryImporter,
  IMPORT_PRESETS,
  type FieldOption,
  type ImportGeoJsonOptions,
  type ImportPresetOptions,
  type ImportProgress,
  type LevelFiles,
} from '@geobatch/geo-query';
import { CliError, type CliContext } from '../cli-context';
import { describeCounts, seconds } from './format';

/** Options as commander parses them. */
export interface DatasetsImportFlags {
  /** Required without `preset`. */
  name?: string;
  /** A layout of official downloads (`juso`, `admdongkor`, `kostat`); the files are then the arguments. */
  preset?: string;
  sido?: string;
  sigungu?: string;
  eupmyeondong?: string;
  ri?: string;
  /** Each use of the flag: `FIELD` (every level) or `LEVEL=FIELD[,LEVEL=FIELD…]`. */
  codeField?: string[];
  nameField?: string[];
  nameLastWord?: boolean;
  parentNameField?: string[];
  srid?: string;
  encoding?: string;
  version?: string;
  effectiveDate?: string;
  attribution?: string;
  default?: boolean;
  json?: boolean;
}

const LEVEL_ALIASES: Record<string, AdminLevel> = {
  ...Object.fromEntries(ADMIN_LEVELS.map((l) => [l, l])),
  ...Object.fromEntries(ADMIN_LEVELS.map((l) => [ADMIN_LEVEL_LABELS[l], l])),
};

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `LEVEL=FIELD` pairs (comma-separated, flag repeatable) into a level → field map; levels by name or Korean label. */
function levelPairs(values: string[], flag: string): Partial<Record<AdminLevel, string>> {
  const out: Partial<Record<AdminLevel, string>> = {};
  for (const pair of values.flatMap((v) => v.split(','))) {
    const m = /^\s*([^=\s]+)\s*=\s*(\S.*?)\s*$/.exec(pair);
    const level = m ? LEVEL_ALIASES[m[1]] : undefined;
    if (!m || !level) {
      throw new CliError(`${flag} takes LEVEL=FIELD (levels: ${ADMIN_LEVELS.join(', ')}), got "${pair.trim()}"`);
    }
    if (out[level] !== undefined && out[level] !== m[2]) throw new CliError(`${flag} gives ${level} twice`);
    out[level] = m[2];
  }
  return out;
}

/** `--code-field adm_cd` (every level) or `--code-field sido=CTPRVN_CD,sigungu=SIG_CD` (per level). */
function fieldOption(values: string[] | undefined, flag: string): FieldOption | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const plain = values.filter((v) => !v.includes('='));
  if (plain.length === 1 && values.length === 1) return values[0];
  if (plain.length === values.length) throw new CliError(`${flag} FIELD is for every level: give it once, or LEVEL=FIELD pairs`);
  if (plain.length > 0) throw new CliError(`${flag}: give one FIELD for every level, or LEVEL=FIELD pairs, not both`);
  return levelPairs(values, flag);
}

/** `5179` or `EPSG:5179`. */
function sridOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(?:EPSG:)?(\d{4,5})$/i.exec(value.trim());
  if (!m) throw new CliError(`--srid takes an EPSG code such as 5179 (supported: ${INPUT_CRS.map((c) => c.slice(5)).join(', ')}), got "${value}"`);
  return Number(m[1]);
}

/** Turns flags into importer options; paths resolved by `path`. Content checks are the importer's. */
export function toImportOptions(flags: DatasetsImportFlags, path: (p: string) => string): ImportGeoJsonOptions {
  if (flags.name === undefined) throw new CliError('--name is required (or import official downloads with --preset)');
  const levels: LevelFiles = {};
  for (const level of ADMIN_LEVELS) {
    const file = flags[level];
    if (file !== undefined) levels[level] = path(file);
  }
  if (Object.keys(levels).length === 0) {
    throw new CliError(`give a GeoJSON file for at least one level: ${ADMIN_LEVELS.map((l) => `--${l} FILE`).join(', ')}`);
  }
  return {
    name: flags.name,
    version: flags.version,
    effectiveDate: flags.effectiveDate,
    attribution: flags.attribution,
    isDefault: flags.default === true,
    levels,
    codeField: fieldOption(flags.codeField, '--code-field'),
    nameField: fieldOption(flags.nameField, '--name-field'),
    nameLastWord: flags.nameLastWord === true ? true : undefined,
    parentNameFields: flags.parentNameField?.length ? levelPairs(flags.parentNameField, '--parent-name-field') : undefined,
    srid: sridOption(flags.srid),
    encoding: flags.encoding,
  };
}

/** Flags that only per-level imports take: a preset knows its files' fields. */
const PER_LEVEL_FLAGS: [keyof DatasetsImportFlags, string][] = [
  ...ADMIN_LEVELS.map((l): [keyof DatasetsImportFlags, string] => [l, `--${l}`]),
  ['codeField', '--code-field'],
  ['nameField', '--name-field'],
  ['nameLastWord', '--name-last-word'],
  ['parentNameField', '--parent-name-field'],
];

/** `--preset NAME FILE…` into importer options; the files as given (resolved by `path`). */
export function toPresetOptions(files: string[], flags: DatasetsImportFlags, path: (p: string) => string): ImportPresetOptions {
  const preset = flags.preset!;
  if (!(IMPORT_PRESETS as readonly string[]).includes(preset)) throw new CliError(`--preset is one of ${IMPORT_PRESETS.join(', ')}, got "${preset}"`);
  const extra = PER_LEVEL_FLAGS.filter(([k]) => flags[k] !== undefined).map(([, f]) => f);
  if (extra.length > 0) throw new CliError(`--preset ${preset} knows the files' levels and fields: leave out ${extra.join(', ')} and give the files as arguments`);
  if (files.length === 0) throw new CliError(`--preset ${preset} needs the downloaded files as arguments, e.g. datasets:import --preset ${preset} FILE…`);
  return {
    preset,
    files: files.map(path),
    name: flags.name,
    version: flags.version,
    effectiveDate: flags.effectiveDate,
    attribution: flags.attribution,
    isDefault: flags.default === true,
    srid: sridOption(flags.srid),
    encoding: flags.encoding,
  };
}

export function registerDatasetsImport(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('datasets:import')
    .description(
      'import a boundary dataset, one file per level: GeoJSON FeatureCollections or ESRI shapefiles ' +
        '(zipped, or a .shp beside its .dbf/.prj/.cpg), told apart by content; or official downloads as they ' +
        'come with --preset (juso: 도로명주소 전자지도 구역의 도형 zips → datasets juso and juso-hjd; admdongkor: ' +
        'HangJeongDong_verYYYYMMDD.geojson; kostat: SGIS census sido/sgg/emd layers)',
    )
    .argument('[files...]', 'with --preset: the downloaded files')
    .option('--preset <preset>', `import official downloads given as arguments: ${IMPORT_PRESETS.join(', ')}`)
    .option('--name <name>', 'dataset name, e.g. kostat (required without --preset; presets have defaults)');
  for (const level of ADMIN_LEVELS) cmd.option(`--${level} <file>`, `${ADMIN_LEVEL_LABELS[level]} boundaries (GeoJSON or shapefile)`);
  cmd
    .option('--code-field <field>', 'property holding the area code (default "code"), or LEVEL=FIELD pairs, e.g. sido=CTPRVN_CD,sigungu=SIG_CD', collect)
    .option('--name-field <field>', 'property holding the area name (default "name"), or LEVEL=FIELD pairs, e.g. sido=CTP_KOR_NM,sigungu=SIG_KOR_NM', collect)
    .option('--name-last-word', 'keep the last word of each name (full names such as "서울특별시 종로구 사직동" → "사직동")')
    .option(
      '--parent-name-field <LEVEL=FIELD>',
      'name levels that have no file from the features\' properties, e.g. sido=sidonm,sigungu=sggnm (codes: the first 2/5/8 characters of the feature code)',
      collect,
    )
    .option('--srid <epsg>', 'coordinate system of the files: 4326, 5179, 5186, 5181, 5174, 3857 or 32652 (overrides a shapefile .prj; GeoJSON is 4326 without it)')
    .option('--encoding <name>', 'text encoding of shapefile attributes, e.g. cp949 or utf-8 (overrides the .cpg; detected when neither is given)')
    .option('--version <version>', 'dataset version (default 1; presets take it from the files); importing an existing name+version replaces it')
    .option('--effective-date <YYYY-MM-DD>', 'date the boundaries are valid for')
    .option('--attribution <text>', 'credit line required by the data licence')
    .option('--default', 'make it the default dataset')
    .option('--json', 'print the result as JSON (with --preset: an array, one result per dataset)')
    .action(async (files: string[], flags: DatasetsImportFlags) => {
      if (flags.preset !== undefined) {
        await importPreset(ctx, toPresetOptions(files, flags, (p) => ctx.path(p)), flags.json === true);
        return;
      }
      if (files.length > 0) throw new CliError(`unexpected argument ${files[0]}: give each file with --sido/--sigungu/--eupmyeondong/--ri, or use --preset`);
      const options = toImportOptions(flags, (p) => ctx.path(p));
      const importer = new BoundaryImporter(await ctx.dataSource());
      const result = await importer.importGeoJson({
        ...options,
        onProgress: (e) => {
          if (e.step === 'layer') ctx.output.err(`${e.level}: ${e.count} features (${seconds(e.ms)})`);
          else if (e.step === 'parent-names') ctx.output.err(`${e.level}: ${e.count} areas named from the features' properties (${seconds(e.ms)})`);
          else if (e.step === 'parts') ctx.output.err(`subdivided into ${e.count} pieces (${seconds(e.ms)})`);
        },
      });
      if (flags.json) {
        ctx.output.out(JSON.stringify(result, null, 2));
        return;
      }
      ctx.output.out(
        `${result.replaced ? 'replaced' : 'imported'} ${result.name}@${result.version} (${result.datasetId}): ` +
          `${describeCounts(result.featureCounts)}${result.isDefault ? ', default' : ''} in ${seconds(result.ms)}`,
      );
    });
}

function progressLine(e: ImportProgress): string | null {
  const of = e.dataset !== undefined ? `${e.dataset} ` : '';
  if (e.step === 'layer') return `${of}${e.level}: ${e.count} features (${seconds(e.ms)})`;
  if (e.step === 'parent-names') return `${of}${e.level}: ${e.count} areas named from the features' properties (${seconds(e.ms)})`;
  if (e.step === 'parts') return `${of}subdivided into ${e.count} pieces (${seconds(e.ms)})`;
  return null;
}

async function importPreset(ctx: CliContext, options: ImportPresetOptions, json: boolean): Promise<void> {
  const importer = new BoundaryImporter(await ctx.dataSource());
  const results = await importer.importPreset({
    ...options,
    onProgress: (e) => {
      const line = progressLine(e);
      if (line !== null) ctx.output.err(line);
    },
  });
  if (json) {
    ctx.output.out(JSON.stringify(results, null, 2));
    return;
  }
  for (const result of results) {
    ctx.output.out(
      `${result.replaced ? 'replaced' : 'imported'} ${result.name}@${result.version} (${result.datasetId}): ` +
        `${describeCounts(result.featureCounts)}${result.isDefault ? ', default' : ''} in ${seconds(result.ms)}`,
    );
  }
}
