import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CRS_PATTERN, INPUT_ENCODINGS, OUTPUT_FORMATS, OUTPUT_LANGS, type CreateJobDto } from '@geobatch/contracts';
import { CliError, InterruptedError, type CliContext } from '../cli-context';
import type { JobFields } from '../gateway/gateway-client';
import { UploadBar } from '../gateway/job-progress';
import { checkOutTarget } from '../gateway/save-download';
import { bytes } from './format';
import { addGatewayOptions, addOutOptions, addWaitOptions, type GatewayCommandFlags, type OutFlags, type WaitFlags } from './gateway-options';
import { downloadResult, resumeHint, waitUntilDone } from './job-flow';

/** Commander's parser for `--crs`: the contract's EPSG pattern, checked before uploading. */
function parseCrs(value: string): string {
  const crs = value.trim().toUpperCase();
  if (!CRS_PATTERN.test(crs)) throw new InvalidArgumentError('give an EPSG code such as EPSG:4326 or EPSG:5179.');
  return crs;
}

/** Commander's parser for `--header-row`: a 1-based row number, checked before uploading. */
function parseHeaderRow(value: string): string {
  const row = value.trim();
  if (!/^\d+$/.test(row) || Number(row) < 1 || Number(row) > 1_048_576) throw new InvalidArgumentError('give a 1-based row number, e.g. 4.');
  return String(Number(row));
}

/**
 * Form fields with a flag of the same name. `force` is the exception: `--force` already means
 * "overwrite --out", so `--new-job` sends `force=true`.
 */
export type FlagField = Exclude<keyof CreateJobDto, 'force'>;

/**
 * One flag per text field of the `POST /jobs` form, keyed by the contract's own property
 * names (a name the contract does not have does not compile; a spec checks none is missing).
 */
export function jobFieldOptions(): { [K in FlagField]?: Option } {
  return {
    x: new Option('--x <column>', 'longitude (x) column: header name, 1-based number or letter (detected when omitted)'),
    y: new Option('--y <column>', 'latitude (y) column: header name, 1-based number or letter (detected when omitted)'),
    dateColumn: new Option(
      '--date-column <column>',
      "each row's date (header name, number or letter): rows are matched to the version of each dataset's series in force on that date, with a 경계 버전 column",
    ),
    crs: new Option('--crs <EPSG:code>', 'coordinate system of x/y, e.g. EPSG:5179 (gateway default: EPSG:4326, WGS84 degrees)').argParser(parseCrs),
    dataset: new Option('--dataset <name>', "boundary dataset name, or several comma-separated (each adds its own group of columns; default: the gateway's default dataset)"),
    encoding: new Option('--encoding <encoding>', 'text encoding of a CSV (default: detected)').choices(INPUT_ENCODINGS),
    sheet: new Option('--sheet <name|number>', 'XLSX: the sheet to read (default: every sheet with coordinate columns)'),
    headerRow: new Option(
      '--header-row <n>',
      'row number of the header, e.g. 4 below a title block (default: found; rows above it are copied to the result unchanged)',
    ).argParser(parseHeaderRow),
    lang: new Option('--lang <lang>', 'language of the appended headers (gateway default: ko)').choices(OUTPUT_LANGS),
    format: new Option('--format <format>', 'result file format (gateway default: xlsx)').choices(OUTPUT_FORMATS),
    nearestM: new Option('--nearest-m <metres>', 'take the nearest area within this many metres for points in no polygon; 0 = off (gateway default: 200)'),
    callbackUrl: new Option('--callback-url <url>', 'http(s) URL that gets a signed POST when the job ends (see the README, Webhooks)'),
  };
}

export interface SubmitFlags extends GatewayCommandFlags, WaitFlags, OutFlags, Partial<Record<FlagField, string>> {
  /** False with --no-wait. */
  wait: boolean;
  /** Sends `force=true`: a new job even when the gateway has this file with these options already. */
  newJob?: boolean;
}

/** The multipart text fields for the flags given. */
export function jobFields(flags: SubmitFlags): JobFields {
  const fields: JobFields = {};
  for (const name of Object.keys(jobFieldOptions()) as FlagField[]) {
    if (flags[name] !== undefined) fields[name] = flags[name];
  }
  if (flags.newJob) fields.force = 'true';
  return fields;
}

/** The upload must be a readable regular file: checked before anything is sent. */
async function inputFile(ctx: CliContext, file: string): Promise<{ path: string; size: number }> {
  const path = ctx.path(file);
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new CliError(e.code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${e.message}`);
  });
  if (!info.isFile()) throw new CliError(`${path} is not a file`);
  return { path, size: info.size };
}

/** What `submit --help` adds after the options. */
function submitHelp(ctx: CliContext): string {
  return `
Prints the job id, shows progress (a bar on a terminal, one line per change otherwise), then
writes the result. Ctrl-C stops waiting but leaves the job running: resume with
\`status ID\` or \`download ID\`.

Exit codes: 0 done, 1 the job failed or was cancelled, 2 bad usage or input (the gateway's
message says which), 3 the gateway failed or could not be reached, 130 interrupted.

Example:
  ${ctx.invocation} submit overspeed.csv --x 5 --y 6 --dataset kostat-2018
  ${ctx.invocation} submit 측정.xlsx --sheet 2 --crs EPSG:5179 --out results/
  ${ctx.invocation} submit 과속내역.xlsx --header-row 4 --x 경도 --y 위도`;
}

export function registerSubmit(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('submit')
    .description('upload a CSV or XLSX of coordinates, follow the job and download the result')
    .argument('<file>', 'CSV (UTF-8, CP949…) or XLSX with a header row');
  for (const option of Object.values(jobFieldOptions())) cmd.addOption(option);
  cmd.option('--new-job', 'start a new job even when this key already sent the same file with the same options (the gateway would answer that job)');
  addOutOptions(cmd).option('--no-wait', 'print the job id and return at once, without waiting or downloading');
  addWaitOptions(cmd);
  addGatewayOptions(cmd).addHelpText('after', submitHelp(ctx));
  cmd.action(async (file: string, flags: SubmitFlags) => {
    const input = await inputFile(ctx, file);
    const fields = jobFields(flags);
    if (flags.wait) await checkOutTarget({ out: flags.out === undefined ? undefined : ctx.path(flags.out), dir: ctx.path('.'), force: flags.force });
    const gateway = ctx.gateway(flags);
    ctx.output.out(`uploading ${basename(input.path)} (${bytes(input.size)}) to ${gateway.baseUrl}`);

    await ctx.interruptible(async (signal) => {
      const client = gateway.withSignal(signal);
      let id: string;
      let reused: string | undefined;
      const uploadBar = ctx.stdout.isTTY ? new UploadBar(ctx.stdout, input.size) : undefined;
      try {
        const created = await client.createJob(input.path, fields, (sent) => uploadBar?.update(sent));
        id = created.id;
        if (created.deduplicated) reused = created.status;
      } catch (e) {
        if (signal.aborted) throw new InterruptedError('upload interrupted before the gateway answered: most likely no job was started');
        throw e;
      } finally {
        uploadBar?.stop();
      }
      ctx.output.out(
        reused
          ? `job ${id} ${reused}: this file was sent before with the same options, so that job answers (--new-job starts another)`
          : `job ${id} queued`,
      );
      if (!flags.wait) {
        ctx.output.out(`follow it with: ${ctx.invocation} status ${id}\ndownload it with: ${ctx.invocation} download ${id}`);
        return;
      }
      try {
        await waitUntilDone(ctx, client, id, flags, signal);
        await downloadResult(ctx, client, id, flags, signal);
      } catch (e) {
        throw signal.aborted ? resumeHint(ctx, id) : e;
      }
    });
  });
}
