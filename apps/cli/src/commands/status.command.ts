import type { Command } from 'commander';
import type { ColumnRefDto, JobStatusDto } from '@geobatch/contracts';
import type { CliContext } from '../cli-context';
import { localTime, table } from './format';
import { addGatewayOptions, type GatewayCommandFlags } from './gateway-options';

/** `name: value` lines for one job. */
export function describeJob(view: JobStatusDto, ctx: CliContext): string {
  const rows: [string, string][] = [
    ['job', view.id],
    ['status', view.status],
    ['file', view.fileName],
    ['datasets', view.datasets?.join(', ') || '-'],
    ['rows', `${view.rows.processed}/${view.rows.total ?? '?'} processed: ${view.rows.ok} ok, ${view.rows.problems} problems, ${view.rows.blank} blank lines skipped`],
    ['created', localTime(view.createdAt)],
    ['finished', localTime(view.finishedAt)],
  ];
  const o = view.options;
  if (o) {
    const input = [o.kind, o.encoding].filter(Boolean).join(' ');
    rows.push(['options', [`crs ${o.crs}`, `format ${o.format}`, `lang ${o.lang}`, ...(input ? [`input ${input}`] : []), ...(o.sheet ? [`sheet ${o.sheet}`] : [])].join(', ')]);
    const col = (c: ColumnRefDto) => `${c.name ? `"${c.name}" ` : ''}(${c.letter}, ${c.by})`;
    for (const c of o.columns ?? []) rows.push(['columns', `sheet ${c.sheet} "${c.name}": x = ${col(c.x)}, y = ${col(c.y)}`]);
  }
  if (view.error) rows.push(['error', view.error]);
  if (view.status === 'completed') rows.push(['result', `${ctx.invocation} download ${view.id}`]);
  else if (view.status === 'queued' || view.status === 'running') rows.push(['follow', `${ctx.invocation} download ${view.id}   (waits, then downloads)`]);
  return table(['', ''], rows.map(([k, v]) => [`${k}:`, v])).split('\n').slice(1).join('\n');
}

export function registerStatus(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('status')
    .description("print a job's status and row counts")
    .argument('<id>', 'job id (from submit or jobs)')
    .option('--json', "print the gateway's JSON as it is");
  addGatewayOptions(cmd).action(async (id: string, flags: GatewayCommandFlags & { json?: boolean }) => {
    const view = await ctx.gateway(flags).job(id);
    ctx.output.out(flags.json ? JSON.stringify(view, null, 2) : describeJob(view, ctx));
  });
}
