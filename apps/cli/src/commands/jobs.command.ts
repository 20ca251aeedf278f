import type { Command } from 'commander';
import type { JobStatusDto } from '@geobatch/contracts';
import type { CliContext } from '../cli-context';
import { localTime, table } from './format';
import { addGatewayOptions, type GatewayCommandFlags } from './gateway-options';

export function jobsTable(jobs: JobStatusDto[]): string {
  return table(
    ['ID', 'STATUS', 'ROWS', 'OK', 'PROBLEMS', 'CREATED', 'FILE'],
    jobs.map((j) => [
      j.id,
      j.status,
      `${j.rows?.processed ?? 0}/${j.rows?.total ?? '?'}`,
      String(j.rows?.ok ?? 0),
      String(j.rows?.problems ?? 0),
      localTime(j.createdAt),
      j.fileName ?? '',
    ]),
  );
}

export function registerJobs(program: Command, ctx: CliContext): void {
  const cmd = program.command('jobs').description('list the jobs the gateway knows (GET /jobs)').option('--json', "print the gateway's JSON as it is");
  addGatewayOptions(cmd).action(async (flags: GatewayCommandFlags & { json?: boolean }) => {
    const jobs = await ctx.gateway(flags).jobs();
    if (flags.json) ctx.output.out(JSON.stringify(jobs, null, 2));
    else if (jobs.length === 0) ctx.output.out(`no jobs yet: start one with ${ctx.invocation} submit FILE --x COL --y COL`);
    else ctx.output.out(jobsTable(jobs));
  });
}
