import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DatasetRepository } from '../dataset.repository';
import { BoundaryLookup } from '../lookup/boundary-lookup.service';
import { featureCollection, openTestDataSource, scratchDir, squareFeature, uniqueName } from '../testing/geo-test-db';
import { BoundaryImporter } from './boundary-importer.service';
import { BoundaryImportError } from './feature-collection.scanner';

/*
 * A small synthetic dataset whose geometry is known exactly:
 *   시도 11 covers x 126..128; 시군구 11010 (x 126..127) and 11020 (x 127..128);
 *   읍면동 1101001 (x 126..126.5), 1101002 (x 126.5..127), 1102001 (x 127..127.5), all y 36..37;
 *   리 110100201 is a small square inside 1101002. Above y 37 there is no 읍면동.
 * The larger codes come first in the files so that the smallest-code rule, not the order, decides edges.
 */
const SIDO = featureCollection([squareFeature('11', '가도', 126, 36, 128, 38)]);
const SIGUNGU = featureCollection([squareFeature('11020', '나군', 127, 36, 128, 38), squareFeature('11010', '가군', 126, 36, 127, 38)]);
const EMD = featureCollection([
  squareFeature('1102001', '다동', 127, 36, 127.5, 37),
  squareFeature('1101002', '나동', 126.5, 36, 127, 37),
  squareFeature('1101001', '가동', 126, 36, 126.5, 37),
]);
const RI = featureCollection([squareFeature('110100201', '가리', 126.6, 36.1, 126.7, 36.2)]);

describe('BoundaryImporter (synthetic files, real PostGIS)', () => {
  let ds: DataSource;
  let files: Awaited<ReturnType<typeof scratchDir>>;
  let importer: BoundaryImporter;
  let datasets: DatasetRepository;
  const created: string[] = [];
  let previousDefault: string | null = null;
  const paths: Record<string, string> = {};

  before(async () => {
    ds = await openTestDataSource();
    importer = new BoundaryImporter(ds);
    datasets = new DatasetRepository(ds);
    files = await scratchDir();
    paths.sido = await files.write('sido.geojson', SIDO);
    paths.sigungu = await files.write('sigungu.geojson', SIGUNGU);
    paths.emd = await files.write('emd.geojson', EMD);
    paths.ri = await files.write('ri.geojson', RI);
    previousDefault = (await datasets.findDefault())?.id ?? null;
  });

  after(async () => {
    for (const id of created) await datasets.delete(id);
    // The default is global to the database: give it back to whoever had it.
    if (previousDefault && (await datasets.findById(previousDefault))) {
      await ds.query('UPDATE dataset SET is_default = (id = $1) WHERE is_default OR id = $1', [previousDefault]);
    }
    await files?.remove();
    await ds?.destroy();
  });

  async function importAll(name: string, extra: { version?: string; isDefault?: boolean; effectiveDate?: string } = {}) {
    const r = await importer.importGeoJson({
      name,
      ...extra,
      levels: { sido: paths.sido, sigungu: paths.sigungu, eupmyeondong: paths.emd, ri: paths.ri },
    });
    if (!created.includes(r.datasetId)) created.push(r.datasetId);
    return r;
  }

  async function snapshot(datasetId: string) {
    const areas = await ds.query(
      `SELECT level, code, name, parent_code, ST_AsText(geom) AS wkt FROM boundary_area WHERE dataset_id = $1 ORDER BY level, code`,
      [datasetId],
    );
    const [{ parts }] = await ds.query('SELECT count(*)::int AS parts FROM boundary_part WHERE dataset_id = $1', [datasetId]);
    const [row] = await ds.query('SELECT name, version, levels, feature_counts, attribution FROM dataset WHERE id = $1', [datasetId]);
    return { areas, parts, row };
  }

  it('imports every level with counts, levels and code-prefix parents', async () => {
    const r = await importAll(uniqueName('levels'));
    assert.deepEqual(r.featureCounts, { sido: 1, sigungu: 2, eupmyeondong: 3, ri: 1 });
    assert.deepEqual(r.levels, ['sido', 'sigungu', 'eupmyeondong', 'ri']);
    assert.equal(r.replaced, false);
    const stored = await datasets.findById(r.datasetId);
    assert.deepEqual(stored?.levels, ['sido', 'sigungu', 'eupmyeondong', 'ri']);
    assert.deepEqual(stored?.featureCounts, { sido: 1, sigungu: 2, eupmyeondong: 3, ri: 1 });
    const parents = await ds.query(
      'SELECT code, parent_code FROM boundary_area WHERE dataset_id = $1 ORDER BY code',
      [r.datasetId],
    );
    assert.deepEqual(
      parents.map((p: { code: string; parent_code: string | null }) => [p.code, p.parent_code]),
      [
        ['11', null],
        ['11010', '11'],
        ['1101001', '11010'],
        ['1101002', '11010'],
        ['110100201', '1101002'],
        ['11020', '11'],
        ['1102001', '11020'],
      ],
    );
    const [{ without }] = await ds.query(
      `SELECT count(*)::int AS without FROM boundary_area a WHERE dataset_id = $1
       AND NOT EXISTS (SELECT 1 FROM boundary_part p WHERE (p.dataset_id, p.level, p.code) = (a.dataset_id, a.level, a.code))`,
      [r.datasetId],
    );
    assert.equal(without, 0, 'every area has pieces to be found by');
  });

  it('links to the nearest level present when a level is skipped', async () => {
    const r = await importer.importGeoJson({ name: uniqueName('skip'), levels: { sido: paths.sido, eupmyeondong: paths.emd } });
    created.push(r.datasetId);
    const rows = await ds.query(`SELECT code, parent_code FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong'`, [r.datasetId]);
    assert.deepEqual(new Set(rows.map((x: { parent_code: string }) => x.parent_code)), new Set(['11']));
    const hit = (await new BoundaryLookup(ds).lookup(r.datasetId, [{ n: 1, lon: 126.25, lat: 36.5 }])).get(1);
    assert.deepEqual(hit, { sido: { code: '11', name: '가도' }, eupmyeondong: { code: '1101001', name: '가동' } });
  });

  it('looks up the finest area with its parents, smallest code on shared edges', async () => {
    const r = await importAll(uniqueName('lookup'));
    const hits = await new BoundaryLookup(ds).lookup(r.datasetId, [
      { n: 1, lon: 127, lat: 36.5 }, // edge 1101002 | 1102001
      { n: 2, lon: 126.5, lat: 36.5 }, // edge 1101001 | 1101002
      { n: 3, lon: 127, lat: 37 }, // corner shared by 1101002 and 1102001
      { n: 4, lon: 126.65, lat: 36.15 }, // inside the 리
      { n: 5, lon: 126.2, lat: 37.5 }, // 시군구 11010, no 읍면동 there
      { n: 6, lon: 125, lat: 35 }, // outside everything
      { n: 7, lon: 127.25, lat: 36.5 }, // plain interior of 1102001
    ]);
    const sido = { code: '11', name: '가도' };
    const ga = { code: '11010', name: '가군' };
    assert.deepEqual(hits.get(1), { sido, sigungu: ga, eupmyeondong: { code: '1101002', name: '나동' } });
    assert.deepEqual(hits.get(2), { sido, sigungu: ga, eupmyeondong: { code: '1101001', name: '가동' } });
    assert.deepEqual(hits.get(3), { sido, sigungu: ga, eupmyeondong: { code: '1101002', name: '나동' } });
    assert.deepEqual(hits.get(4), { sido, sigungu: ga, eupmyeondong: { code: '1101002', name: '나동' }, ri: { code: '110100201', name: '가리' } });
    assert.deepEqual(hits.get(5), { sido, sigungu: ga });
    assert.equal(hits.has(6), false);
    assert.deepEqual(hits.get(7), { sido, sigungu: { code: '11020', name: '나군' }, eupmyeondong: { code: '1102001', name: '다동' } });
    assert.equal(hits.size, 6);
  });

  it('re-importing a name+version creates a new generation with a new id; the old one is superseded but keeps its polygons', async () => {
    const name = uniqueName('replace');
    const first = await importAll(name, { version: 'v1' });
    const firstAreas = (await snapshot(first.datasetId)).areas;
    const renamed = await files.write('sido-renamed.geojson', featureCollection([squareFeature('11', '새도', 126, 36, 128, 38)]));
    const second = await importer.importGeoJson({ name, version: 'v1', attribution: 'second', levels: { sido: renamed } });
    created.push(second.datasetId);
    assert.notEqual(second.datasetId, first.datasetId, 'a new id');
    assert.equal(second.replaced, true);
    assert.equal(second.supersededId, first.datasetId);

    const now = await snapshot(second.datasetId);
    assert.deepEqual(now.row.feature_counts, { sido: 1 });
    assert.deepEqual(now.row.levels, ['sido']);
    assert.equal(now.row.attribution, 'second');
    assert.deepEqual(now.areas.map((a: { code: string; name: string }) => [a.code, a.name]), [['11', '새도']]);

    // The old generation is untouched: found by id (jobs pinned to it), hidden from names and lists.
    const old = await snapshot(first.datasetId);
    assert.deepEqual(old.areas, firstAreas);
    assert.deepEqual(old.row.levels, ['sido', 'sigungu', 'eupmyeondong', 'ri']);
    const oldRow = await datasets.findById(first.datasetId);
    assert.ok(oldRow?.supersededAt instanceof Date);
    assert.equal(oldRow?.supersededBy, second.datasetId);
    assert.equal((await datasets.findById(second.datasetId))?.supersededAt, null);
    assert.equal((await datasets.findByName(name))?.id, second.datasetId);
    assert.equal((await datasets.findByName(name, 'v1'))?.id, second.datasetId);
    assert.deepEqual((await datasets.list()).filter((d) => d.name === name).map((d) => d.id), [second.datasetId]);
    assert.deepEqual((await datasets.listSuperseded()).filter((d) => d.name === name).map((d) => d.id), [first.datasetId]);

    // Pinned lookups: the old id answers with the old polygons, the new id with the new ones.
    const lookup = new BoundaryLookup(ds);
    const point = [{ n: 1, lon: 126.25, lat: 36.5 }];
    assert.deepEqual((await lookup.lookup(first.datasetId, point)).get(1)?.sido, { code: '11', name: '가도' });
    assert.deepEqual((await lookup.lookup(first.datasetId, point)).get(1)?.eupmyeondong, { code: '1101001', name: '가동' });
    assert.deepEqual((await lookup.lookup(second.datasetId, point)).get(1), { sido: { code: '11', name: '새도' } });

    // A third import supersedes the second; the chain is recorded.
    const third = await importer.importGeoJson({ name, version: 'v1', levels: { sido: renamed } });
    created.push(third.datasetId);
    assert.equal(third.supersededId, second.datasetId);
    assert.equal((await datasets.findById(second.datasetId))?.supersededBy, third.datasetId);
    const [{ generations, current }] = await ds.query(
      'SELECT count(*)::int AS generations, count(*) FILTER (WHERE superseded_at IS NULL)::int AS current FROM dataset WHERE name = $1',
      [name],
    );
    assert.deepEqual([generations, current], [3, 1]);
  });

  it('deleteSupersededUnused deletes superseded generations no queued or running job is pinned to', async () => {
    const name = uniqueName('cleanup');
    const a = await importAll(name, { version: 'v1' });
    const b = await importAll(name, { version: 'v1' });
    const c = await importAll(name, { version: 'v1' }); // a and b are superseded, c is current
    const [{ jobs }] = await ds.query(`SELECT to_regclass('job') IS NOT NULL AS jobs`);
    assert.ok(jobs, 'the job table exists (set-up runs every migration)');
    const jobId = randomUUID();
    await ds.query(
      `INSERT INTO job (id, status, file_name, upload_path, upload_sha256, options)
       VALUES ($1, 'running', 'x.csv', 'x', 'x', $2::jsonb)`,
      [jobId, JSON.stringify({ x: 'auto', y: 'auto', crs: 'EPSG:4326', datasetIds: [randomUUID(), a.datasetId], datasetLabels: [] })],
    );
    try {
      const superseded = (await datasets.listSuperseded()).filter((d) => d.name === name);
      const latest = Math.max(...superseded.map((d) => d.supersededAt!.getTime()));
      // Superseded after the cut-off: kept.
      assert.deepEqual(await datasets.deleteSupersededUnused(new Date(latest - 60_000), { name }), []);
      // a is pinned by a running job; b goes; c is current.
      const deleted = await datasets.deleteSupersededUnused(new Date(latest + 1), { name });
      assert.deepEqual(deleted.map((d) => [d.id, d.version]), [[b.datasetId, 'v1']]);
      assert.ok(deleted[0].supersededAt instanceof Date);
      assert.equal(await datasets.findById(b.datasetId), null);
      const [{ parts }] = await ds.query('SELECT count(*)::int AS parts FROM boundary_part WHERE dataset_id = $1', [b.datasetId]);
      assert.equal(parts, 0, 'its pieces went with it');
      assert.ok(await datasets.findById(a.datasetId), 'pinned by a running job');
      assert.equal((await datasets.findById(c.datasetId))?.supersededAt, null);

      // Once the job is done, nothing pins a.
      await ds.query(`UPDATE job SET status = 'completed' WHERE id = $1`, [jobId]);
      const later = await datasets.deleteSupersededUnused(new Date(), { name });
      assert.deepEqual(later.map((d) => d.id), [a.datasetId]);
      assert.ok(await datasets.findById(c.datasetId), 'the current generation is never deleted');
    } finally {
      await ds.query('DELETE FROM job WHERE id = $1', [jobId]);
    }
  });

  describe('bad input throws a clear error and changes nothing', () => {
    let name: string;
    let datasetId: string;
    let before_: Awaited<ReturnType<typeof snapshot>>;

    before(async () => {
      name = uniqueName('intact');
      datasetId = (await importAll(name, { version: 'v1' })).datasetId;
      before_ = await snapshot(datasetId);
    });

    const cases: [string, () => Promise<Record<string, string>>, RegExp][] = [
      ['a missing file', async () => ({ sido: paths.sido, sigungu: `${files.dir}/missing.geojson` }), /sigungu \(시군구\) layer: file not found: .*missing\.geojson/],
      ['a file that is not a FeatureCollection', async () => ({ sido: await files.write('feature.geojson', squareFeature('11', 'x', 0, 0, 1, 1)) }), /sido \(시도\) layer .*feature\.geojson: not a GeoJSON FeatureCollection \("type" is "Feature"\)/],
      ['an empty layer', async () => ({ sido: paths.sido, eupmyeondong: await files.write('empty.geojson', featureCollection([])) }), /eupmyeondong \(읍면동\) layer .*empty\.geojson has no features \(empty layer\)/],
      [
        'a feature without the code field (after good layers were written)',
        async () => ({
          sido: paths.sido,
          sigungu: paths.sigungu,
          eupmyeondong: await files.write('nocode.geojson', featureCollection([...EMD.features, { type: 'Feature', properties: { adm_cd: '1', name: 'x' }, geometry: squareFeature('1', 'x', 0, 0, 1, 1).geometry }])),
        }),
        /eupmyeondong \(읍면동\) layer .*nocode\.geojson, feature 4 has no "code" property \(the code field\); its properties are: "adm_cd", "name"/,
      ],
      ['a duplicated code', async () => ({ sido: await files.write('dup.geojson', featureCollection([squareFeature('11', 'a', 0, 0, 1, 1), squareFeature('11', 'b', 1, 1, 2, 2)])) }), /feature 2: code "11" appears more than once/],
      ['projected coordinates', async () => ({ sido: await files.write('5179.geojson', featureCollection([squareFeature('11', 'a', 950000, 1950000, 960000, 1960000)])) }), /coordinates of code 11 are not WGS84 longitude\/latitude/],
      ['no level at all', async () => ({}), /at least one level/],
    ];
    for (const [what, levels, message] of cases) {
      it(`rejects ${what}`, async () => {
        const given = await levels();
        await assert.rejects(
          importer.importGeoJson({ name, version: 'v1', levels: given }),
          (e: unknown) => e instanceof BoundaryImportError && message.test(e.message),
        );
        assert.deepEqual(await snapshot(datasetId), before_);
        assert.equal((await datasets.findByName(name, 'v1'))?.id, datasetId, 'still the current generation');
        assert.equal((await datasets.findById(datasetId))?.supersededAt, null);
        const fresh = uniqueName('never');
        await assert.rejects(importer.importGeoJson({ name: fresh, levels: given }), BoundaryImportError);
        assert.equal(await datasets.findByName(fresh), null, 'a failed import leaves no dataset behind');
      });
    }

    it('rejects a missing name field, naming the configured field', async () => {
      await assert.rejects(
        importer.importGeoJson({ name, version: 'v1', levels: { sido: paths.sido }, nameField: 'nm' }),
        /sido \(시도\) layer .*sido\.geojson, feature 1 has no "nm" property \(the name field\); its properties are: "code", "name"/,
      );
      assert.deepEqual(await snapshot(datasetId), before_);
    });
  });

  it('isDefault makes a dataset the only default; a re-import without it moves the flag to the new generation', async () => {
    const a = await importAll(uniqueName('default-a'), { isDefault: true });
    assert.equal(a.isDefault, true);
    assert.equal((await datasets.findDefault())?.id, a.datasetId);
    const bName = uniqueName('default-b');
    const b = await importAll(bName, { isDefault: true });
    const [{ defaults }] = await ds.query('SELECT count(*)::int AS defaults FROM dataset WHERE is_default');
    assert.equal(defaults, 1);
    assert.equal((await datasets.findDefault())?.id, b.datasetId);
    assert.equal((await datasets.findById(a.datasetId))?.isDefault, false);
    const again = await importAll(bName);
    assert.notEqual(again.datasetId, b.datasetId);
    assert.equal(again.isDefault, true);
    assert.equal((await datasets.findDefault())?.id, again.datasetId);
    assert.equal((await datasets.findById(b.datasetId))?.isDefault, false, 'a superseded generation is never the default');
    const [{ defaults: after }] = await ds.query('SELECT count(*)::int AS defaults FROM dataset WHERE is_default');
    assert.equal(after, 1);
  });

  it('DatasetRepository: latest version by effective date, lookups by id, cascading delete', async () => {
    const name = uniqueName('repo');
    const newer = await importAll(name, { version: '2021', effectiveDate: '2021-04-01' });
    const older = await importAll(name, { version: '2018', effectiveDate: '2018-12-24' }); // imported last, still older
    const latest = await datasets.findByName(name);
    assert.equal(latest?.id, newer.datasetId);
    assert.equal(latest?.effectiveDate, '2021-04-01');
    assert.equal((await datasets.findByName(name, '2018'))?.id, older.datasetId);
    assert.equal(await datasets.findByName(name, '2019'), null);
    assert.ok(latest?.createdAt instanceof Date);
    const listed = (await datasets.list()).filter((d) => d.name === name).map((d) => d.version);
    assert.deepEqual(listed, ['2021', '2018']);
    assert.equal(await datasets.findById('00000000-0000-4000-8000-000000000000'), null);
    assert.equal(await datasets.findById('not-a-uuid'), null);
    assert.equal(await datasets.findByName(uniqueName('none')), null);

    assert.equal(await datasets.delete(newer.datasetId), true);
    assert.equal(await datasets.delete(newer.datasetId), false);
    const [{ areas, parts }] = await ds.query(
      `SELECT (SELECT count(*)::int FROM boundary_area WHERE dataset_id = $1) AS areas,
              (SELECT count(*)::int FROM boundary_part WHERE dataset_id = $1) AS parts`,
      [newer.datasetId],
    );
    assert.deepEqual([areas, parts], [0, 0]);
    assert.equal((await datasets.findByName(name))?.id, older.datasetId);
  });
});
