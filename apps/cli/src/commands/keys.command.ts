import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import { isUUID } from 'class-validator';
import { ApiKeyRepository, type ApiKeyInfo } from '@geobatch/job-store';
import { CliError, type CliContext } from '../cli-context';
import { ExitCode } from '../exit-codes';
import { localTime, table } from './format';

/** The JSON shape of one key in `keys:list --json` (never the key: only its hash is stored). */
export function keyJson(k: ApiKeyInfo) {
  return { id: k.id, name: k.name, admin: k.admin, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null };
}

export function keysTable(keys: ApiKeyInfo[]): string {
  return table(
    ['ID', 'NAME', 'ROLE', 'CREATED', 'REVOKED'],
    keys.map((k) => [k.id, k.name, k.admin ? 'admin' : 'user', localTime(k.createdAt.toISOString()), k.revokedAt ? localTime(k.revokedAt.toISOString()) : '-']),
  );
}

/** The key repository, once the key table is known to exist. */
async function repository(ctx: CliContext): Promise<ApiKeyRepository> {
  const ds: DataSource = await ctx.dataSource();
  const [{ ok }]: { ok: boolean }[] = await ds.query(`SELECT to_regclass('api_key') IS NOT NULL AS ok`);
  if (!ok) throw new CliError('the database has no api_key table yet: run the migrations first (npm run migrate)', ExitCode.Unavailable);
  return new ApiKeyRepository(ds);
}

export function registerKeys(program: Command, ctx: CliContext): void {
  program
    .command('keys:create')
    .description('issue an API key for the gateway; the key is printed once and cannot be shown again (only its SHA-256 is stored)')
    .requiredOption('--name <name>', 'who or what the key is for, e.g. ops-team or nightly-import')
    .option('--admin', 'an admin key: may also import and delete datasets')
    .option('--json', 'print JSON')
    .action(async (flags: { name: string; admin?: boolean; json?: boolean }) => {
      const name = flags.name.trim();
      if (!name || name.length > 200) throw new CliError('--name must be 1 to 200 characters');
      const issued = await (await repository(ctx)).create({ name, admin: flags.admin === true });
      if (flags.json) {
        ctx.output.out(JSON.stringify({ ...keyJson(issued), key: issued.key }, null, 2));
        return;
      }
      ctx.output.out(issued.key);
      ctx.output.err(`issued ${issued.admin ? 'an admin' : 'a user'} key "${issued.name}" (${issued.id}); store it now: it cannot be shown again`);
    });

  program
    .command('keys:list')
    .description('list the API keys (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const keys = await (await repository(ctx)).list();
      if (flags.json) ctx.output.out(JSON.stringify(keys.map(keyJson), null, 2));
      else if (keys.length === 0) ctx.output.out(`no API keys yet: issue one with ${ctx.invocation} keys:create --name NAME`);
      else ctx.output.out(keysTable(keys));
    });

  program
    .command('keys:revoke')
    .description('revoke an API key: the gateway refuses it from the next request on; its jobs stay')
    .argument('<id>', 'key id, as keys:list shows it')
    .action(async (id: string) => {
      if (!isUUID(id)) throw new CliError(`"${id}" is not a key id (a UUID, as keys:list shows it)`);
      const keys = await repository(ctx);
      const found = await keys.findById(id);
      if (!found) throw new CliError(`no API key ${id}`);
      if (found.revokedAt) throw new CliError(`API key ${id} ("${found.name}") was revoked already, at ${localTime(found.revokedAt.toISOString())}`);
      await keys.revoke(id);
      ctx.output.out(`revoked API key ${id} ("${found.name}")`);
    });
}
