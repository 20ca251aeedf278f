import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DatasetRepository, openGeoDataSource, runMigrationsExclusive } from '@geobatch/geo-query';
import { ApiKeyRepository } from '@geobatch/job-store';
import { KOSTAT_2018, REPO_ROOT, testEnv } from '@geobatch/util-testing';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, as its own process. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'reflect-metadata', '-r', '@swc-node/register', 'apps/cli/src/main.ts', ...args],
      // Only what the CLI reads: the test runs it with exactly this environment.
      { cwd: REPO_ROOT, env: { TZ: 'UTC', DATABASE_URL: testEnv.TEST_DATABASE_URL, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('geobatch CLI datasets commands (child process, real PostGIS)', () => {
  let ds: DataSource;
  let dir: string;
  const name = `it-cli-${randomUUID().slice(0, 8)}`;

  before(async () => {
    ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL);
    await runMigrationsExclusive(ds);
    dir = await mkdtemp(join(tmpdir(), 'geobatch-cli-'));
  });

  after(async () => {
    const repo = new DatasetRepository(ds);
    for (const d of (await repo.list()).filter((x) => x.name === name)) await repo.delete(d.id);
    await ds?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('datasets:import imports the KOSTAT 시도 layer and reports it as JSON', async () => {
    const r = await cli(['datasets:import', '--name', name, '--version', '2018', '--effective-date', '2018-12-24', '--sido', KOSTAT_2018.sido, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.deepEqual(result.featureCounts, { sido: 17 });
    assert.match(r.stderr, /sido: 17 features/);
    const stored = await new DatasetRepository(ds).findById(result.datasetId);
    assert.equal(stored?.name, name);
    assert.equal(stored?.effectiveDate, '2018-12-24');
  });

  it('datasets:import resolves relative paths against INIT_CWD and replaces the same version', async () => {
    const r = await cli(['datasets:import', '--name', name, '--version', '2018', '--effective-date', '2018-12-24', '--sido', 'sido_2018_kostat.geojson'], {
      INIT_CWD: join(KOSTAT_2018.sido, '..'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^replaced ${name}@2018 \\([0-9a-f-]{36}\\): 시도 17 in `));
  });

  it('datasets:list shows it, as a table and as JSON', async () => {
    const json = await cli(['datasets:list', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const mine = (JSON.parse(json.stdout) as { name: string; version: string; levels: string[] }[]).filter((d) => d.name === name);
    assert.deepEqual(mine.map((d) => [d.version, d.levels]), [['2018', ['sido']]]);
    const text = await cli(['datasets:list']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`${name}@2018\\s+2018-12-24\\s+시도 17`));
  });

  it('datasets:seed-default leaves the built-in datasets that set-up loaded alone', async () => {
    const r = await cli(['datasets:seed-default']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kr-bjd@2024-02 is already there$/m);
    assert.match(r.stdout, /^kr-hjd@2022-03 is already there$/m);
  });

  it('keys:create prints a key once (stored hashed), keys:list shows it without the key, keys:revoke revokes it', async () => {
    const keyName = `${name}-key`;
    const created = await cli(['keys:create', '--name', keyName, '--admin']);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^gbk_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /admin key .*cannot be shown again/);
    const keys = new ApiKeyRepository(ds);
    const found = await keys.findByKey(key);
    assert.deepEqual([found?.name, found?.admin], [keyName, true]);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM api_key WHERE key_hash = encode(sha256($1::bytea), 'hex')`, [key]);
    assert.equal(n, 1, 'stored as its SHA-256');

    const listed = await cli(['keys:list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout, new RegExp(key));
    const mine = (JSON.parse(listed.stdout) as { id: string; admin: boolean; revokedAt: string | null }[]).find((k) => k.id === found!.id);
    assert.deepEqual([mine?.admin, mine?.revokedAt], [true, null]);
    assert.match((await cli(['keys:list'])).stdout, new RegExp(`^${found!.id}  ${keyName} +admin `, 'm'));

    const revoked = await cli(['keys:revoke', found!.id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(await keys.findByKey(key), null);
    const again = await cli(['keys:revoke', found!.id]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /revoked already/);
    assert.equal((await cli(['keys:revoke', 'nope'])).code, 2);
    await ds.query(`DELETE FROM api_key WHERE id = $1`, [found!.id]);
  });

  it('bad input exits 2 with one clear message', async () => {
    const noCode = join(dir, 'no-code.geojson');
    await writeFile(noCode, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { adm_cd: '11', name: 'x' }, geometry: { type: 'Polygon', coordinates: [[[127, 37], [127.1, 37], [127.1, 37.1], [127, 37]]] } }] }));
    const cases: [string[], RegExp][] = [
      [['datasets:import', '--name', name], /error: give a GeoJSON file for at least one level/],
      [['datasets:import', '--name', name, '--sigungu', join(dir, 'missing.geojson')], /error: sigungu \(시군구\) layer: file not found: .*missing\.geojson/],
      [['datasets:import', '--name', name, '--sido', noCode], /error: sido \(시도\) layer .*no-code\.geojson, feature 1 has no "code" property \(the code field\); its properties are: "adm_cd", "name"/],
      [['datasets:import', '--name', name, '--sido', noCode, '--effective-date', '2018-13-01'], /error: effective date "2018-13-01" is not a date/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for input errors');
    }
    assert.equal((await new DatasetRepository(ds).list()).filter((d) => d.name === name && d.version === '1').length, 0);
  });

  it('tells how to fix a database without the tables', async () => {
    const db = `geobatch_it_cli_${randomUUID().slice(0, 8)}`;
    await ds.query(`CREATE DATABASE ${db}`);
    try {
      const url = new URL(testEnv.TEST_DATABASE_URL);
      url.pathname = `/${db}`;
      const r = await cli(['datasets:list'], { DATABASE_URL: url.toString() });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /has no Geobatch tables yet: run the migrations first/);
    } finally {
      await ds.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }
  });
});
