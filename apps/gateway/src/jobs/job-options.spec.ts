import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestException } from '@nestjs/common';
import { fromWgs84 } from '@geobatch/geo-query';
import { openTabularFile, type SheetColumns } from '@geobatch/util-spreadsheet';
import { suiteTempDir } from '@geobatch/util-testing';
import { DEFAULT_CRS, jobCrsOf } from './job-options';
import { planColumns } from './column-plan';

const CITIES: [number, number][] = [
  [126.978, 37.5665],
  [129.0756, 35.1796],
  [127.3845, 36.3504],
  [128.8761, 37.7519],
  [126.3922, 34.8118],
];

describe('jobCrsOf', () => {
  const dir = suiteTempDir('job-crs-');
  let n = 0;
  /** A CSV of the cities in `crs` under `X좌표,Y좌표`, opened and planned as a job would be. */
  async function planned(crs: Parameters<typeof fromWgs84>[0], extra: string[] = []) {
    const to = fromWgs84(crs);
    const lines = CITIES.map(([lon, lat]) => to(lon, lat).map((v) => v.toFixed(3)).join(','));
    const path = join(dir, `points-${n++}.csv`);
    writeFileSync(path, ['X좌표,Y좌표', ...lines, ...extra].join('\n'));
    const file = await openTabularFile(path);
    const columns: SheetColumns[] = await planColumns(file, {});
    return { file, columns };
  }

  it('uses the system the values show when no crs is given: UTM-K metres are EPSG:5179, 3857 and 32652 likewise', async () => {
    for (const crs of ['EPSG:5179', 'EPSG:3857', 'EPSG:32652', 'EPSG:4326'] as const) {
      const { file, columns } = await planned(crs);
      assert.equal(await jobCrsOf({}, file, columns), crs);
    }
  });

  it('keeps a crs the caller gave, whatever the values look like', async () => {
    const { file, columns } = await planned('EPSG:5179');
    assert.equal(await jobCrsOf({ crs: 'EPSG:5186' }, file, columns), 'EPSG:5186');
  });

  it('falls back to EPSG:4326 when the values fit no system (the rows then say INVALID)', async () => {
    const path = join(dir, 'far.csv');
    writeFileSync(path, 'x,y\n2.35,48.85\n-74.0,40.7\n');
    const file = await openTabularFile(path);
    assert.equal(await jobCrsOf({}, file, await planColumns(file, {})), DEFAULT_CRS);
  });

  it('refuses to guess between the overlapping Central Belt systems: a 400 naming them', async () => {
    const { file, columns } = await planned('EPSG:5186');
    await assert.rejects(
      () => jobCrsOf({}, file, columns),
      (e: unknown) => e instanceof BadRequestException && /^crs: .*EPSG:5186, EPSG:5181, EPSG:5174/.test(e.message),
    );
    // One point only 5186 has (northern Gangwon, y > 623 km) does not settle it: 5181 still holds five of six.
    const north = fromWgs84('EPSG:5186')(128.5, 38.5).map((v) => v.toFixed(3)).join(',');
    const oneNorth = await planned('EPSG:5186', [north]);
    await assert.rejects(() => jobCrsOf({}, oneNorth.file, oneNorth.columns), BadRequestException);
  });
});
