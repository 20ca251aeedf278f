import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { addGatewayOptions, addOutOptions, addWaitOptions, type GatewayCommandFlags, type OutFlags, type WaitFlags } from './gateway-options';
import { downloadResult, resumeHint } from './job-flow';

export function registerDownload(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('download')
    .description("download a job's result workbook; waits (with progress) while the job is still running")
    .argument('<id>', 'job id (from submit or jobs)');
  addOutOptions(cmd);
  addWaitOptions(cmd);
  addGatewayOptions(cmd).action(async (id: string, flags: GatewayCommandFlags & OutFlags & WaitFlags) => {
    const gateway = ctx.gateway(flags);
    await ctx.interruptible(async (signal) => {
      try {
        await downloadResult(ctx, gateway.withSignal(signal), id, flags, signal);
      } catch (e) {
        throw signal.aborted ? resumeHint(ctx, id) : e;
      }
    });
  });
}
