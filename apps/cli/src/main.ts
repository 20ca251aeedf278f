import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { ConfigValidationError } from '@geobatch/util-config';
import { BoundaryImportError } from '@geobatch/geo-query';
import { CliContext, CliError } from './cli-context';
import { registerDatasetsImport } from './commands/datasets-import.command';
import { registerDatasetsList } from './commands/datasets-list.command';
import { registerDatasetsSeedDefault } from './commands/datasets-seed-default.command';

/** The program with every command; exported for tests. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('geobatch')
    .description('Geobatch command line: boundary datasets (jobs to follow)')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => ctx.output.out(s.trimEnd()), writeErr: (s) => ctx.output.err(s.trimEnd()) })
    .exitOverride();
  registerDatasetsImport(program, ctx);
  registerDatasetsList(program, ctx);
  registerDatasetsSeedDefault(program, ctx);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** Runs the CLI and returns the exit code: 0, or 1 after printing one clear line. */
export async function runCli(argv: string[], ctx = new CliContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    // Commander has printed its own message (unknown option, missing argument...); help exits 0.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof CliError || e instanceof BoundaryImportError || e instanceof ConfigValidationError) {
      ctx.output.err(`error: ${e.message}`);
    } else {
      ctx.output.err(`error: ${(e as Error)?.stack ?? String(e)}`);
    }
    return 1;
  } finally {
    await ctx.close();
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
