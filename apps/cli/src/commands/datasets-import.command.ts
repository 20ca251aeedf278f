import type { Command } from 'commander';
import { ADMIN_LEVELS, ADMIN_LEVEL_LABELS } from '@geobatch/contracts';
import { BoundaryImporter, type ImportGeoJsonOptions, type LevelFiles } from '@geobatch/geo-query';
import { CliError, type CliContext } from '../cli-context';
import { describeCounts, seconds } from './format';

/** Options as commander parses them. */
export interface DatasetsImportFlags {
  name: string;
  sido?: string;
  sigungu?: string;
  eupmyeondong?: string;
  ri?: string;
  codeField?: string;
  nameField?: string;
  version?: string;
  effectiveDate?: string;
  attribution?: string;
  default?: boolean;
  json?: boolean;
}

/** Turns flags into importer options; paths resolved by `path`. Content checks are the importer's. */
export function toImportOptions(flags: DatasetsImportFlags, path: (p: string) => string): ImportGeoJsonOptions {
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
    codeField: flags.codeField,
    nameField: flags.nameField,
  };
}

export function registerDatasetsImport(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('datasets:import')
    .description('import a boundary dataset from GeoJSON FeatureCollections (WGS84), one file per level')
    .requiredOption('--name <name>', 'dataset name, e.g. kostat');
  for (const level of ADMIN_LEVELS) cmd.option(`--${level} <file>`, `${ADMIN_LEVEL_LABELS[level]} boundaries`);
  cmd
    .option('--code-field <field>', 'feature property holding the area code', 'code')
    .option('--name-field <field>', 'feature property holding the area name', 'name')
    .option('--version <version>', 'dataset version; importing an existing name+version replaces it', '1')
    .option('--effective-date <YYYY-MM-DD>', 'date the boundaries are valid for')
    .option('--attribution <text>', 'credit line required by the data licence')
    .option('--default', 'make it the default dataset')
    .option('--json', 'print the result as JSON')
    .action(async (flags: DatasetsImportFlags) => {
      const options = toImportOptions(flags, (p) => ctx.path(p));
      const importer = new BoundaryImporter(await ctx.dataSource());
      const result = await importer.importGeoJson({
        ...options,
        onProgress: (e) => {
          if (e.step === 'layer' || e.step === 'dissolve') ctx.output.err(`${e.level}: ${e.count} features (${seconds(e.ms)})`);
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
