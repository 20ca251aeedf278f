import type { Command } from 'commander';
import { DEFAULT_DATASET, DefaultDatasetSeeder } from '@geobatch/geo-query';
import type { CliContext } from '../cli-context';
import { describeCounts, seconds } from './format';

export function registerDatasetsSeedDefault(program: Command, ctx: CliContext): void {
  program
    .command('datasets:seed-default')
    .description(`import ${DEFAULT_DATASET.name} (bundled 시군구 polygons) as the default, if the database has no dataset`)
    .option('--json', 'print the result as JSON')
    .action(async (flags: { json?: boolean }) => {
      const seeded = await new DefaultDatasetSeeder(await ctx.dataSource()).seedIfEmpty();
      if (flags.json) ctx.output.out(JSON.stringify(seeded, null, 2));
      else if (!seeded.seeded) ctx.output.out('datasets already exist: nothing to do');
      else {
        const r = seeded.result!;
        ctx.output.out(`imported ${r.name}@${r.version} (${r.datasetId}) as the default: ${describeCounts(r.featureCounts)} in ${seconds(r.ms)}`);
      }
    });
}
