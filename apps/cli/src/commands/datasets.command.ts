import type { Command } from 'commander';
import type { AdminLevel } from '@geobatch/contracts';
import type { CliContext } from '../cli-context';
import type { DatasetView } from '../gateway/gateway-client';
import { describeCounts, table } from './format';
import { addGatewayOptions, type GatewayCommandFlags } from './gateway-options';

/** The same columns as `datasets:list`, from the gateway's answer. */
export function datasetViewTable(datasets: DatasetView[]): string {
  return table(
    ['', 'NAME@VERSION', 'EFFECTIVE', 'AREAS', 'ID'],
    datasets.map((d) => [
      d.isDefault ? '*' : '',
      `${d.name}@${d.version}`,
      d.effectiveDate ?? '-',
      describeCounts((d.featureCounts ?? {}) as Partial<Record<AdminLevel, number>>) || (d.levels ?? []).join(', '),
      d.id,
    ]),
  );
}

export function registerDatasets(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('datasets')
    .description('list the boundary datasets the gateway offers (* marks the default)')
    .option('--json', "print the gateway's JSON as it is");
  addGatewayOptions(cmd).action(async (flags: GatewayCommandFlags & { json?: boolean }) => {
    const datasets = await ctx.gateway(flags).datasets();
    if (flags.json) ctx.output.out(JSON.stringify(datasets, null, 2));
    else if (datasets.length === 0) ctx.output.out('the gateway has no datasets yet: load one with datasets:seed-default or datasets:import');
    else ctx.output.out(datasetViewTable(datasets));
  });
}
