import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { ConfigValidationError } from '@geobatch/util-config';
import { BoundaryImportError } from '@geobatch/geo-query';
import { CliContext, CliError, InterruptedError } from './cli-context';
import { ExitCode } from './exit-codes';
import { GatewayError } from './gateway/gateway-client';
import { registerDatasetsImport } from './commands/datasets-import.command';
import { registerDatasetsList } from './commands/datasets-list.command';
import { registerDatasetsSeedDefault } from './commands/datasets-seed-default.command';
import { registerDatasets } from './commands/datasets.command';
import { registerDownload } from './commands/download.command';
import { registerJobs } from './commands/jobs.command';
import { registerKeys } from './commands/keys.command';
import { registerStatus } from './commands/status.command';
import { registerSubmit } from './commands/submit.command';

/** The program with every command; exported for tests. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('geobatch')
    .description('Geobatch command line: submit and follow jobs through the gateway, manage boundary datasets in the database')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => ctx.output.out(s.trimEnd()), writeErr: (s) => ctx.output.err(s.trimEnd()) })
    .exitOverride();
  program.commandsGroup('Jobs (through the gateway):');
  registerSubmit(program, ctx);
  registerJobs(program, ctx);
  registerStatus(program, ctx);
  registerDownload(program, ctx);
  registerDatasets(program, ctx);
  program.commandsGroup('Boundary datasets (directly in the database):');
  registerDatasetsImport(program, ctx);
  registerDatasetsList(program, ctx);
  registerDatasetsSeedDefault(program, ctx);
  program.commandsGroup('API keys (directly in the database):');
  registerKeys(program, ctx);
  program.addHelpText(
    'after',
    '\nExit codes: 0 done, 1 a job failed or was cancelled, 2 bad usage or input, 3 the gateway or database failed or could not be reached, 130 interrupted.',
  );
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** Runs the CLI and returns its exit code (see ExitCode), after printing one clear message for any error. */
export async function runCli(argv: string[], ctx = new CliContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (e) {
    // Commander has printed its own message (unknown command or option, missing argument...); help exits 0.
    if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    if (e instanceof InterruptedError) {
      ctx.output.err(e.message);
      return e.exitCode;
    }
    if (e instanceof CliError || e instanceof GatewayError) {
      ctx.output.err(`error: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof BoundaryImportError || e instanceof ConfigValidationError) {
      ctx.output.err(`error: ${e.message}`);
      return ExitCode.Usage;
    }
    ctx.output.err(`error: ${(e as Error)?.stack ?? String(e)}`);
    return ExitCode.Unavailable;
  } finally {
    await ctx.close();
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
