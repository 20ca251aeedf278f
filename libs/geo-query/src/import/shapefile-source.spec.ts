import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import JSZip from 'jszip';
import { BoundaryImportError } from './feature-collection.scanner';
import { guessDbfEncoding, normalizeEncoding } from './shapefile-encoding';
import { detectFileKind, openShapefile } from './shapefile-source';
import { PRJ_5179_ESRI, shapefileFiles, writeZippedShapefile, type ShapeFeature } from './shapefile-writer.testing';

const isImportError = (m: RegExp) => (e: unknown) => e instanceof BoundaryImportError && m.test(e.message);

/** Two clockwise squares in EPSG:5179 metres (around 서울 종로구) with Korean attributes. */
const FEATURES: ShapeFeature[] = [
  {
    properties: { EMD_CD: '11110101', EMD_KOR_NM: '청운동' },
    geometry: { type: 'Polygon', coordinates: [[[953000, 1953000], [953000, 1954000], [954000, 1954000], [954000, 1953000], [953000, 1953000]]] },
  },
  {
    properties: { EMD_CD: '11110102', EMD_KOR_NM: '신교동' },
    geometry: {
      type: 'MultiPolygon',
      coordinates: [
        [[[955000, 1953000], [955000, 1953500], [955500, 1953500], [955500, 1953000], [955000, 1953000]]],
        [[[956000, 1953000], [956000, 1953500], [956500, 1953500], [956500, 1953000], [956000, 1953000]]],
      ],
    },
  },
];
const FIELDS = [{ name: 'EMD_CD', size: 10 }, { name: 'EMD_KOR_NM', size: 40 }];

async function readAll(features: AsyncIterable<unknown>): Promise<{ properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } }[]> {
  const out = [];
  for await (const f of features) out.push(f as { properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } });
  return out;
}

describe('shapefile source', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'geobatch-shp-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tells GeoJSON, zip and .shp apart by content, not by name', async () => {
    const zip = await writeZippedShapefile(dir, 'kind', FEATURES, { fields: FIELDS, encoding: 'cp949', prj: PRJ_5179_ESRI });
    const files = await shapefileFiles(dir, FEATURES, { fields: FIELDS, encoding: 'cp949' });
    const shp = join(dir, 'named.geojson');
    await writeFile(shp, files.get('.shp')!);
    const json = join(dir, 'data.zip');
    await writeFile(json, '{"type":"FeatureCollection","features":[]}');
    assert.equal(await detectFileKind(zip), 'zip');
    assert.equal(await detectFileKind(shp), 'shp');
    assert.equal(await detectFileKind(json), 'geojson');
  });

  it('maps encoding names to decoder labels', () => {
    for (const name of ['CP949', 'cp949\r\n', 'EUC-KR', 'ms949', '949', 'ANSI 949', 'ks_c_5601-1987', '\uFEFFUHC']) assert.equal(normalizeEncoding(name), 'euc-kr', name);
    assert.equal(normalizeEncoding('UTF-8'), 'utf-8');
    assert.equal(normalizeEncoding('utf8'), 'utf-8');
    assert.equal(normalizeEncoding('latin1'), 'windows-1252');
    assert.equal(normalizeEncoding('klingon'), null);
    assert.equal(normalizeEncoding(' '), null);
  });

  it('guesses UTF-8 for UTF-8 records and CP949 otherwise', async () => {
    const cp949 = (await shapefileFiles(dir, FEATURES, { fields: FIELDS, encoding: 'cp949' })).get('.dbf')!;
    const utf8 = (await shapefileFiles(dir, FEATURES, { fields: FIELDS, encoding: 'utf8' })).get('.dbf')!;
    assert.ok(cp949.includes(iconv.encode('청운동', 'cp949')), 'the dbf really holds CP949 bytes');
    assert.equal(guessDbfEncoding(cp949), 'euc-kr');
    assert.equal(guessDbfEncoding(utf8), 'utf-8');
  });

  it('reads a zipped EPSG:5179 shapefile with CP949 attributes, in a folder of the archive', async () => {
    const zip = await writeZippedShapefile(dir, 'TL_SCCO_EMD', FEATURES, {
      fields: FIELDS,
      encoding: 'cp949',
      prj: PRJ_5179_ESRI,
      cpg: 'CP949',
      folder: 'TL_SCCO_EMD_11/',
    });
    const opened = await openShapefile(zip, 'zip');
    assert.deepEqual([opened.crs, opened.crsFrom, opened.encoding, opened.encodingFrom], ['EPSG:5179', '.prj', 'euc-kr', '.cpg']);
    assert.match(opened.where, /^TL_SCCO_EMD\.shp in .*TL_SCCO_EMD\.zip$/);
    const features = await readAll(opened.features);
    assert.deepEqual(features.map((f) => f.properties), FEATURES.map((f) => f.properties));
    assert.deepEqual(features[0].geometry, FEATURES[0].geometry);
    assert.deepEqual(features[1].geometry, FEATURES[1].geometry);
  });

  it('detects the encoding without a .cpg; --encoding and --srid override the .cpg and .prj', async () => {
    const noCpg = await writeZippedShapefile(dir, 'nocpg', FEATURES, { fields: FIELDS, encoding: 'cp949', prj: PRJ_5179_ESRI });
    const detected = await openShapefile(noCpg, 'zip');
    assert.deepEqual([detected.encoding, detected.encodingFrom], ['euc-kr', 'detected']);
    assert.equal((await readAll(detected.features))[1].properties.EMD_KOR_NM, '신교동');

    const utf8 = await writeZippedShapefile(dir, 'utf8', FEATURES, { fields: FIELDS, encoding: 'utf8', cpg: 'CP949' });
    const forced = await openShapefile(utf8, 'zip', { encoding: 'utf-8', crs: 'EPSG:5179' });
    assert.deepEqual([forced.crs, forced.crsFrom, forced.encoding, forced.encodingFrom], ['EPSG:5179', '--srid', 'utf-8', '--encoding']);
    assert.equal((await readAll(forced.features))[0].properties.EMD_KOR_NM, '청운동');
  });

  it('reads a .shp beside its .dbf, .prj and .cpg', async () => {
    const files = await shapefileFiles(dir, FEATURES, { fields: FIELDS, encoding: 'cp949', prj: PRJ_5179_ESRI, cpg: 'cp949' });
    for (const [ext, bytes] of files) await writeFile(join(dir, `loose${ext === '.dbf' ? '.DBF' : ext}`), bytes);
    const opened = await openShapefile(join(dir, 'loose.shp'), 'shp');
    assert.deepEqual([opened.crs, opened.encoding], ['EPSG:5179', 'euc-kr']);
    assert.deepEqual((await readAll(opened.features)).map((f) => f.properties.EMD_KOR_NM), ['청운동', '신교동']);
  });

  describe('unusable archives fail with a clear message before anything is read', () => {
    const cases: [string, () => Promise<string>, RegExp][] = [
      ['a broken zip', async () => {
        const p = join(dir, 'broken.zip');
        await writeFile(p, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]));
        return p;
      }, /broken\.zip is not a readable zip archive/],
      ['a zip without .shp', async () => {
        const z = new JSZip();
        z.file('readme.txt', 'no layer here');
        const p = join(dir, 'noshp.zip');
        await writeFile(p, await z.generateAsync({ type: 'nodebuffer' }));
        return p;
      }, /noshp\.zip holds no \.shp file \(it holds readme\.txt\)/],
      ['a zip with two layers', async () => {
        const files = await shapefileFiles(dir, FEATURES, { fields: FIELDS, encoding: 'cp949', prj: PRJ_5179_ESRI });
        const z = new JSZip();
        for (const [ext, b] of files) {
          z.file(`a${ext}`, b);
          z.file(`b${ext}`, b);
        }
        const p = join(dir, 'two.zip');
        await writeFile(p, await z.generateAsync({ type: 'nodebuffer' }));
        return p;
      }, /two\.zip holds 2 shapefiles \(a\.shp, b\.shp\)/],
      ['a shapefile without .dbf', () => writeZippedShapefile(dir, 'nodbf', FEATURES, { fields: FIELDS, encoding: 'cp949', prj: PRJ_5179_ESRI, omit: ['.dbf'] }), /nodbf\.shp in .* has no \.dbf beside it/],
      ['a .prj of an unsupported system', () => writeZippedShapefile(dir, 'bessel-central', FEATURES, {
        fields: FIELDS,
        encoding: 'cp949',
        prj: PRJ_5179_ESRI.replace('127.5', '129.5'),
      }), /cannot tell the coordinate system from its \.prj \(PROJCS\["Korea_2000.*give it with --srid/],
      ['no .prj and no --srid', () => writeZippedShapefile(dir, 'noprj', FEATURES, { fields: FIELDS, encoding: 'cp949' }), /noprj\.shp in .* has no \.prj: give its coordinate system with --srid/],
      ['a .cpg naming no encoding', () => writeZippedShapefile(dir, 'badcpg', FEATURES, { fields: FIELDS, encoding: 'cp949', prj: PRJ_5179_ESRI, cpg: 'KLINGON' }), /its \.cpg names an unknown encoding "KLINGON"/],
    ];
    for (const [what, make, message] of cases) {
      it(what, async () => {
        const path = await make();
        await assert.rejects(openShapefile(path, 'zip'), isImportError(message));
      });
    }

    it('an unknown --encoding', async () => {
      const zip = await writeZippedShapefile(dir, 'enc', FEATURES, { fields: FIELDS, encoding: 'cp949', prj: PRJ_5179_ESRI });
      await assert.rejects(openShapefile(zip, 'zip', { encoding: 'martian' }), isImportError(/unknown text encoding "martian"/));
    });
  });
});
