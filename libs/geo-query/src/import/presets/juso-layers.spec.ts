import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { BoundaryImportError } from '../feature-collection.scanner';
import { dosDate, findJusoLayers, JUSO_LAYERS, jusoLayerOf, officialCode, scanJusoArchives } from './juso-layers';

const spec = (layer: string) => JUSO_LAYERS.find((l) => l.layer === layer)!;

/** The files of a layer as a download has them (the contents do not matter to discovery). */
function layerFiles(folder: string, layer: string, exts = ['.shp', '.shx', '.dbf', '.prj']): [string, string][] {
  return exts.map((e) => [`${folder}${layer}${e}`, 'x']);
}

async function zipOf(path: string, files: [string, string | Buffer][], date = new Date(Date.UTC(2024, 0, 5))): Promise<string> {
  const z = new JSZip();
  for (const [name, data] of files) z.file(name, data, { date });
  await writeFile(path, await z.generateAsync({ type: 'nodebuffer' }));
  return path;
}

describe('jusoLayerOf', () => {
  it('finds the layers by file name in any letter case and folder depth', () => {
    assert.equal(jusoLayerOf('TL_SCCO_CTPRVN.shp'), 'TL_SCCO_CTPRVN');
    assert.equal(jusoLayerOf('구역의도형_전체분_서울특별시/TL_SCCO_SIG.SHP'), 'TL_SCCO_SIG');
    assert.equal(jusoLayerOf('map/11000/tl_scco_emd.shp'), 'TL_SCCO_EMD');
    assert.equal(jusoLayerOf('a/b/c/TL_SCCO_LI_202401.shp'), 'TL_SCCO_LI');
    assert.equal(jusoLayerOf('TL_SCCO_GEMD.shp'), 'TL_SCCO_GEMD');
  });

  it('ignores companions, other layers, junk and look-alikes', () => {
    for (const name of ['TL_SCCO_SIG.dbf', 'TL_KODIS_BAS.shp', '__MACOSX/TL_SCCO_SIG.shp', 'x/._TL_SCCO_SIG.shp', 'TL_SCCO_SIGX.shp', 'TL_SCCO_EMD_OLD.shp', 'TL_SCCO_SIG/']) {
      assert.equal(jusoLayerOf(name), null, name);
    }
  });
});

describe('findJusoLayers', () => {
  it('lists each layer with its newest .shp/.dbf date and names other shapefiles', () => {
    const found = findJusoLayers(
      [
        { name: '서울/TL_SCCO_SIG.shp', date: '2024-01-03' },
        { name: '서울/TL_SCCO_SIG.dbf', date: '2024-01-05' },
        { name: '서울/TL_SCCO_SIG.prj', date: '2024-03-01' },
        { name: '서울/TL_KODIS_BAS.shp', date: '2024-01-05' },
        { name: 'readme.txt', date: null },
      ],
      '/d/11.zip',
      '11.zip',
    );
    assert.deepEqual(found.layers, [{ layer: 'TL_SCCO_SIG', zipPath: '/d/11.zip', entry: '서울/TL_SCCO_SIG.shp', where: '서울/TL_SCCO_SIG.shp in 11.zip', date: '2024-01-05' }]);
    assert.deepEqual(found.others, ['서울/TL_KODIS_BAS.shp']);
  });
});

describe('dosDate', () => {
  it('reads the MS-DOS date bits and refuses an empty field', () => {
    assert.equal(dosDate(((2024 - 1980) << 9) | (1 << 5) | 5), '2024-01-05');
    assert.equal(dosDate(0), null);
  });
});

describe('officialCode', () => {
  it('pads 시도, 시군구 and 읍면동 codes to the 10-digit official form and keeps 10-digit ones', () => {
    assert.equal(officialCode('11', spec('TL_SCCO_CTPRVN'), 'w'), '1100000000');
    assert.equal(officialCode('11110', spec('TL_SCCO_SIG'), 'w'), '1111000000');
    assert.equal(officialCode(' 11110101 ', spec('TL_SCCO_EMD'), 'w'), '1111010100');
    assert.equal(officialCode('1111010121', spec('TL_SCCO_LI'), 'w'), '1111010121');
    assert.equal(officialCode('1111051500', spec('TL_SCCO_GEMD'), 'w'), '1111051500');
    assert.equal(officialCode('1111000000', spec('TL_SCCO_SIG'), 'w'), '1111000000');
    assert.equal(officialCode(36, spec('TL_SCCO_CTPRVN'), 'w'), '3600000000');
  });

  it('refuses codes of another length, with letters, or padded over digits', () => {
    for (const [raw, layer] of [['111', 'TL_SCCO_CTPRVN'], ['1111A', 'TL_SCCO_SIG'], ['1111010', 'TL_SCCO_EMD'], ['1111010101', 'TL_SCCO_SIG'], ['', 'TL_SCCO_LI'], [null, 'TL_SCCO_LI']] as const) {
      assert.throws(
        () => officialCode(raw, spec(layer), 'TL_SCCO_X.shp in a.zip, record 3'),
        (e: unknown) => e instanceof BoundaryImportError && /^TL_SCCO_X\.shp in a\.zip, record 3: \w+_CD .* is not a \d+-digit code/.test(e.message),
        String(raw),
      );
    }
  });
});

describe('scanJusoArchives', () => {
  let dir: string;
  let scratch: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'juso-scan-'));
    scratch = await mkdtemp(join(tmpdir(), 'juso-scan-scratch-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('finds the layers of a 시도 zip with a folder per layer, skipping junk', async () => {
    const zip = await zipOf(join(dir, '11.zip'), [
      ...layerFiles('TL_SCCO_CTPRVN/', 'TL_SCCO_CTPRVN'),
      ...layerFiles('TL_SCCO_SIG/', 'tl_scco_sig', ['.SHP', '.SHX', '.DBF']),
      ...layerFiles('__MACOSX/TL_SCCO_SIG/', 'TL_SCCO_SIG'),
      ['TL_SCCO_GEMD/TL_SCCO_GEMD.shp', 'x'],
      ['TL_SCCO_GEMD/TL_SCCO_GEMD.dbf', 'x'],
    ]);
    const [archive] = await scanJusoArchives([zip], scratch);
    assert.deepEqual(
      archive.layers.map((l) => [l.layer, l.entry, l.date]),
      [
        ['TL_SCCO_CTPRVN', 'TL_SCCO_CTPRVN/TL_SCCO_CTPRVN.shp', '2024-01-05'],
        ['TL_SCCO_SIG', 'TL_SCCO_SIG/tl_scco_sig.SHP', '2024-01-05'],
        ['TL_SCCO_GEMD', 'TL_SCCO_GEMD/TL_SCCO_GEMD.shp', '2024-01-05'],
      ],
    );
  });

  it('opens the per-시도 zips inside a national zip', async () => {
    const inner11 = await readFile(await zipOf(join(dir, 'in11.zip'), layerFiles('11000/', 'TL_SCCO_SIG')));
    const inner36 = await readFile(await zipOf(join(dir, 'in36.zip'), layerFiles('36000/', 'TL_SCCO_SIG'), new Date(Date.UTC(2024, 1, 2))));
    const national = await zipOf(join(dir, 'national.zip'), [
      ['구역의도형_전체분_서울특별시.zip', inner11],
      ['구역의도형_전체분_세종특별자치시.zip', inner36],
    ]);
    const [archive] = await scanJusoArchives([national], scratch);
    assert.deepEqual(
      archive.layers.map((l) => [l.layer, l.where, l.date]),
      [
        ['TL_SCCO_SIG', `11000/TL_SCCO_SIG.shp in 구역의도형_전체분_서울특별시.zip in ${national}`, '2024-01-05'],
        ['TL_SCCO_SIG', `11000/TL_SCCO_SIG.shp in 구역의도형_전체분_세종특별자치시.zip in ${national}`.replace('11000', '36000'), '2024-02-02'],
      ],
    );
    assert.equal((await readdir(scratch)).length, 2, 'the inner zips were extracted into the scratch folder');
  });

  it('names what a zip holds when it has none of the layers', async () => {
    const zip = await zipOf(join(dir, 'other.zip'), [...layerFiles('', 'TL_KODIS_BAS'), ['readme.txt', '도로명주소']]);
    await assert.rejects(
      scanJusoArchives([zip], scratch),
      (e: unknown) =>
        e instanceof BoundaryImportError &&
        e.message.startsWith(`${zip} holds none of the 도로명주소 전자지도 layers TL_SCCO_CTPRVN, TL_SCCO_SIG, TL_SCCO_EMD, TL_SCCO_LI, TL_SCCO_GEMD (it holds TL_KODIS_BAS.shp, `) &&
        e.message.includes('readme.txt'),
    );
  });

  it('says a file that is not a zip is not readable as one', async () => {
    const bad = join(dir, 'bad.zip');
    await writeFile(bad, 'PK\u0003\u0004 not really');
    await assert.rejects(scanJusoArchives([bad], scratch), /bad\.zip is not a readable zip archive/);
  });
});
