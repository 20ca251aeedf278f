import type { Command } from 'commander';
import { DatasetRepository, type Dataset } from '@geobatch/geo-query';
import type { CliContext } from '../cli-context';
import { describeCounts, table } from './format';

/** The JSON shape of one dataset in `datasets:list --json`. */
export function datasetJson(d: Dataset) {
  return {
    id: d.id,
    name: d.name,
    version: d.version,
    effectiveDate: d.effectiveDate,
    levels: d.levels,
    featureCounts: d.featureCounts,
    attribution: d.attribution,
    isDefault: d.isDefault,
    createdAt: d.createdAt.toISOString(),
  };
}

export function datasetTable(datasets: Dataset[]): string {
  return table(
    ['', 'NAME@VERSION', 'EFFECTIVE', 'AREAS', 'ID'],
    datasets.map((d) => [d.isDefault ? '*' : '', `${d.name}@${d.version}`, d.effectiveDate ?? '-', describeCounts(d.featureCounts), d.id]),
  );
}

export function registerDatasetsList(program: Command, ctx: CliContext): void {
  program
    .command('datasets:list')
    .description('list the boundary datasets in the database (* marks the default)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const datasets = await new DatasetRepository(await ctx.dataSource()).list();
      if (flags.json) ctx.output.out(JSON.stringify(datasets.map(datasetJson), null, 2));
      else if (datasets.length === 0) ctx.output.out('no datasets yet: run datasets:seed-default or datasets:import');
      else ctx.output.out(datasetTable(datasets));
    });
}
