// `npm run stack`: makes sure .geobatch/dev-api-key holds a working admin API key for this
// database, issuing one when the file is missing or its key is unknown or revoked. Prints where it is.
//   usage: ensure-dev-api-key.ts DATABASE_URL [FILE]
import 'reflect-metadata';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { openGeoDataSource } from '@geobatch/geo-query';
import { ApiKeyRepository } from '@geobatch/job-store';

const DEV_KEY_NAME = 'dev (npm run stack)';

async function main(): Promise<void> {
  const [url, fileArg] = process.argv.slice(2);
  if (!url) throw new Error('usage: ensure-dev-api-key.ts DATABASE_URL [FILE]');
  const file = resolve(fileArg ?? '.geobatch/dev-api-key');
  const rel = relative(process.cwd(), file);
  const shown = rel && !rel.startsWith('..') ? rel : file;
  const ds = await openGeoDataSource(url, 1);
  try {
    const keys = new ApiKeyRepository(ds);
    let current = '';
    try {
      current = readFileSync(file, 'utf8').trim();
    } catch {
      // no file yet
    }
    const found = current ? await keys.findByKey(current) : null;
    if (found?.admin) {
      console.error(`[stack] development admin API key: ${shown} (key ${found.id})`);
      return;
    }
    const issued = await keys.create({ name: DEV_KEY_NAME, admin: true });
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${issued.key}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    console.error(`[stack] issued a development admin API key (${issued.id}) and wrote it to ${shown}${current ? ' (the old one there was not valid for this database)' : ''}`);
  } finally {
    await ds.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(`[stack] could not provide a development API key: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
