import type { Command } from 'commander';
import { BUILT_IN_DATASETS, BuiltInDatasetSeeder } from '@geobatch/geo-query';
import type { CliContext } from '../cli-context';
import { describeCounts, seconds } from './format';

export function registerDatasetsSeedDefault(program: Command, ctx: CliContext): void {
  program
    .command('datasets:seed-default')
    .description(
      `import the built-in datasets (${BUILT_IN_DATASETS.map((d) => `${d.name}@${d.version}`).join(', ')}) that the database lacks; ` +
        `the first becomes the default when there is none`,
    )
    .option('--json', 'print the result as JSON')
    .action(async (flags: { json?: boolean }) => {
      const report = await new BuiltInDatasetSeeder(await ctx.dataSource()).seed();
      if (flags.json) return ctx.output.out(JSON.stringify(report, null, 2));
      for (const d of report.datasets) {
        const r = d.result;
        ctx.output.out(
          r
            ? `imported ${r.name}@${r.version} (${r.datasetId}): ${describeCounts(r.featureCounts)} in ${seconds(r.ms)}`
            : `${d.name}@${d.version} is already there`,
        );
      }
      if (report.retiredRemoved) ctx.output.out('removed the retired 시군구-only default dataset');
      ctx.output.out(`default dataset: ${report.defaultDataset ?? '(none)'}`);
    });
}
