import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import type { DataSource } from 'typeorm';
import { DatasetRepository, openGeoDataSource, runMigrationsExclusive } from '@geobatch/geo-query';
import { REPO_ROOT, testEnv } from '@geobatch/util-testing';
// Test support of geo-query, deliberately outside its barrel (it pulls in writer-only libraries).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { JUSO_ADMIN_ROWS, JUSO_LEGAL_ROWS, writeJusoDownload } from '../../../libs/geo-query/src/import/presets/juso-download.testing';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, as its own process. */
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'reflect-metadata', '-r', '@swc-node/register', 'apps/cli/src/main.ts', ...args],
      { cwd: REPO_ROOT, env: { TZ: 'UTC', DATABASE_URL: testEnv.TEST_DATABASE_URL }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Result {
  datasetId: string;
  name: string;
  version: string;
  levels: string[];
  featureCounts: Record<string, number>;
}

/** A 행정동 feature of a vuski/admdongkor release: a square in WGS84 and the release's properties. */
function admdong(adm_cd2: string, adm_nm: string, sidonm: string, sggnm: string, lon: number, lat: number) {
  return {
    type: 'Feature',
    properties: { adm_nm, adm_cd: adm_cd2.slice(0, 7), adm_cd2, sgg: adm_cd2.slice(0, 5), sido: adm_cd2.slice(0, 2), sidonm, sggnm },
    geometry: { type: 'MultiPolygon', coordinates: [[[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]]] },
  };
}

describe('datasets:import --preset (child process, real PostGIS)', () => {
  let ds: DataSource;
  let dir: string;
  const base = `it-juso-${randomUUID().slice(0, 8)}`;
  const hjd = `${base}-hjd`;
  const admName = `it-admdongkor-${randomUUID().slice(0, 8)}`;
  let zips: { seoul: string; sejong: string };

  const areas = async (datasetId: string) =>
    ds.query(`SELECT level, code, name, parent_code FROM boundary_area WHERE dataset_id = $1 ORDER BY code COLLATE "C"`, [datasetId]);

  before(async () => {
    ds = await openGeoDataSource(testEnv.TEST_DATABASE_URL);
    await runMigrationsExclusive(ds);
    dir = await mkdtemp(join(tmpdir(), 'geobatch-preset-'));
    zips = await writeJusoDownload(dir);
  });

  after(async () => {
    const repo = new DatasetRepository(ds);
    for (const d of [...(await repo.list()), ...(await repo.listSuperseded())].filter((x) => [base, hjd, admName].includes(x.name))) await repo.delete(d.id);
    await ds?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('--preset juso imports two 시도 zips as a 법정 and a 행정동 dataset, codes in 10 digits, names from CP949', async () => {
    const r = await cli(['datasets:import', '--preset', 'juso', '--name', base, zips.seoul, zips.sejong, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [legal, admin] = JSON.parse(r.stdout) as Result[];
    assert.deepEqual(
      [legal.name, legal.version, legal.levels, legal.featureCounts],
      [base, '2024-01', ['sido', 'sigungu', 'eupmyeondong', 'ri'], { sido: 2, sigungu: 3, eupmyeondong: 5, ri: 2 }],
      'the national 시도 layer in both zips counts once',
    );
    assert.deepEqual([admin.name, admin.version, admin.levels, admin.featureCounts], [hjd, '2024-01', ['sido', 'sigungu', 'eupmyeondong'], { sido: 2, sigungu: 3, eupmyeondong: 4 }]);
    assert.match(r.stderr, new RegExp(`${base} ri: 2 features`));
    assert.match(r.stderr, new RegExp(`${hjd} eupmyeondong: 4 features`));

    assert.deepEqual(await areas(legal.datasetId), JUSO_LEGAL_ROWS);
    assert.deepEqual(await areas(admin.datasetId), JUSO_ADMIN_ROWS);
    const repo = new DatasetRepository(ds);
    for (const id of [legal.datasetId, admin.datasetId]) {
      const d = await repo.findById(id);
      assert.deepEqual([d?.effectiveDate, d?.attribution], ['2024-01-05', '행정안전부 도로명주소 전자지도'], 'the newest file date; the default credit');
    }
    // EPSG:5179 squares land where they are: a point inside 청운동 and 보통리 (세종, read without .prj/.cpg).
    const hit = async (id: string, x: number, y: number) =>
      (
        await ds.query(
          `SELECT code FROM boundary_area WHERE dataset_id = $1 AND ST_Covers(geom, ST_Transform(ST_SetSRID(ST_MakePoint($2, $3), 5179), 4326)) ORDER BY code COLLATE "C"`,
          [id, x, y],
        )
      ).map((row: { code: string }) => row.code);
    assert.deepEqual(await hit(legal.datasetId, 951_000, 1_951_000), ['1100000000', '1111000000', '1111010100']);
    assert.deepEqual(await hit(legal.datasetId, 987_000, 1_831_000), ['3600000000', '3611000000', '3611031000', '3611031021']);
    assert.deepEqual(await hit(admin.datasetId, 951_000, 1_951_000), ['1100000000', '1111000000', '1111051500']);
  });

  it('--preset juso: plain output, and re-importing replaces both', async () => {
    const r = await cli(['datasets:import', '--preset', 'juso', '--name', base, '--version', '2024-01', zips.sejong, zips.seoul]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0], new RegExp(`^replaced ${base}@2024-01 \\([0-9a-f-]{36}\\): 시도 2, 시군구 3, 읍면동 5, 리 2`));
    assert.match(lines[1], new RegExp(`^replaced ${hjd}@2024-01 \\([0-9a-f-]{36}\\): 시도 2, 시군구 3, 읍면동 4`));
  });

  it('--preset juso refuses a zip without the layers, a code named two ways, and per-level flags, changing nothing (exit 2)', async () => {
    const other = join(dir, 'roads.zip');
    const z = new JSZip();
    z.file('TL_SPRD_MANAGE/TL_SPRD_MANAGE.shp', 'x');
    await writeFile(other, await z.generateAsync({ type: 'nodebuffer' }));
    const conflict = await writeJusoDownload(dir, { conflictingSido: true });
    const fresh = `it-juso-never-${randomUUID().slice(0, 8)}`;
    const cases: [string[], RegExp][] = [
      [[other], /error: .*roads\.zip holds none of the 도로명주소 전자지도 layers TL_SCCO_CTPRVN, .* \(it holds TL_SPRD_MANAGE\/TL_SPRD_MANAGE\.shp\)/],
      [[conflict.seoul, conflict.sejong], /error: TL_SCCO_CTPRVN: code 3600000000 is "세종특별자치시" in .*서울특별시-conflict\.zip, record 2 but "세종시" in .*세종특별자치시-conflict\.zip, record 2/],
      [[zips.seoul, '--sido', zips.seoul], /error: --preset juso knows the files' levels and fields: leave out --sido/],
      [[], /error: --preset juso needs the downloaded files as arguments/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['datasets:import', '--preset', 'juso', '--name', fresh, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for input errors');
    }
    const names = (await new DatasetRepository(ds).list()).map((d) => d.name);
    assert.ok(!names.includes(fresh) && !names.includes(`${fresh}-hjd`), 'neither dataset was made');
  });

  it('--preset admdongkor takes version and effective date from HangJeongDong_verYYYYMMDD.geojson', async () => {
    const file = join(dir, 'HangJeongDong_ver20230701.geojson');
    await writeFile(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          admdong('1111053000', '서울특별시 종로구 사직동', '서울특별시', '종로구', 126.96, 37.57),
          admdong('1111054000', '서울특별시 종로구 삼청동', '서울특별시', '종로구', 126.98, 37.58),
          admdong('2611051000', '부산광역시 중구 중앙동', '부산광역시', '중구', 129.03, 35.1),
        ],
      }),
    );
    const r = await cli(['datasets:import', '--preset', 'admdongkor', '--name', admName, file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [result] = JSON.parse(r.stdout) as Result[];
    assert.deepEqual([result.version, result.levels, result.featureCounts], ['2023-07-01', ['sido', 'sigungu', 'eupmyeondong'], { eupmyeondong: 3 }]);
    const d = await new DatasetRepository(ds).findById(result.datasetId);
    assert.deepEqual([d?.effectiveDate, d?.attribution], ['2023-07-01', 'vuski/admdongkor (CC BY 4.0), 통계청 SGIS']);
    assert.deepEqual(
      await areas(result.datasetId),
      [
        ['sido', '1100000000', '서울특별시', null],
        ['sigungu', '1111000000', '종로구', '1100000000'],
        ['eupmyeondong', '1111053000', '사직동', '1111000000'],
        ['eupmyeondong', '1111054000', '삼청동', '1111000000'],
        ['sido', '2600000000', '부산광역시', null],
        ['sigungu', '2611000000', '중구', '2600000000'],
        ['eupmyeondong', '2611051000', '중앙동', '2611000000'],
      ].map(([level, code, name, parent_code]) => ({ level, code, name, parent_code })),
    );
  });
});
