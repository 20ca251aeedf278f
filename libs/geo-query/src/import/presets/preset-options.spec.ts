import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KOSTAT_2018 } from '@geobatch/util-testing';
import { BoundaryImportError } from '../feature-collection.scanner';
import { admdongkorImportOptions, admdongkorReleaseDate } from './admdongkor-preset';
import { validatePreset, validatePresetFiles } from './import-preset';
import { kostatImportOptions, kostatLevelFromName } from './kostat-preset';

describe('validatePreset / validatePresetFiles', () => {
  it('knows the presets (any letter case) and refuses others with the list', () => {
    assert.equal(validatePreset('juso'), 'juso');
    assert.equal(validatePreset(' KOSTAT '), 'kostat');
    assert.throws(() => validatePreset('vworld'), (e: unknown) => e instanceof BoundaryImportError && /unknown preset "vworld" \(presets are juso, admdongkor, kostat\)/.test(e.message));
  });

  it('needs at least one file, each once', () => {
    assert.throws(() => validatePresetFiles([], 'juso'), /--preset juso needs the downloaded files/);
    assert.throws(() => validatePresetFiles(['a.zip', 'a.zip'], 'juso'), /a\.zip is given twice/);
    assert.deepEqual(validatePresetFiles(['a.zip', 'b.zip'], 'juso'), ['a.zip', 'b.zip']);
  });
});

describe('admdongkor preset', () => {
  it('takes version and effective date from a release name', () => {
    assert.equal(admdongkorReleaseDate('/d/HangJeongDong_ver20230701.geojson'), '2023-07-01');
    assert.equal(admdongkorReleaseDate('hangjeongdong_ver20250101.geojson'), '2025-01-01');
    assert.equal(admdongkorReleaseDate('admdong_2021_04_15sido.geojson'), null);
    assert.throws(() => admdongkorReleaseDate('HangJeongDong_ver20231341.geojson'), /"ver20231341" is not a date/);
  });

  it('reads adm_cd2 as the code, the last word of adm_nm as the name, and names 시도/시군구 from sidonm/sggnm', () => {
    const o = admdongkorImportOptions(['/d/HangJeongDong_ver20230701.geojson'], { preset: 'admdongkor', files: [] });
    assert.deepEqual(
      { ...o, onProgress: undefined },
      {
        name: 'admdongkor',
        version: '2023-07-01',
        effectiveDate: '2023-07-01',
        attribution: 'vuski/admdongkor (CC BY 4.0), 통계청 SGIS',
        isDefault: undefined,
        levels: { eupmyeondong: '/d/HangJeongDong_ver20230701.geojson' },
        codeField: 'adm_cd2',
        nameField: 'adm_nm',
        nameLastWord: true,
        parentNameFields: { sido: 'sidonm', sigungu: 'sggnm' },
        srid: undefined,
        encoding: undefined,
        onProgress: undefined,
      },
    );
  });

  it('lets the flags override, and needs --version for a file named otherwise', () => {
    const o = admdongkorImportOptions(['/d/x.geojson'], { preset: 'admdongkor', files: [], name: 'hjd', version: '2021-04', effectiveDate: null, attribution: 'A', isDefault: true });
    assert.deepEqual([o.name, o.version, o.effectiveDate, o.attribution, o.isDefault], ['hjd', '2021-04', null, 'A', true]);
    assert.throws(() => admdongkorImportOptions(['/d/x.geojson'], { preset: 'admdongkor', files: [] }), /x\.geojson is not named like a vuski\/admdongkor release .* give --version/);
    assert.throws(() => admdongkorImportOptions(['a.geojson', 'b.geojson'], { preset: 'admdongkor', files: [] }), /takes one HangJeongDong_verYYYYMMDD\.geojson file, got 2/);
  });
});

describe('kostat preset', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kostat-preset-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('tells levels by file name', () => {
    assert.equal(kostatLevelFromName('/x/sido_2018_kostat.geojson'), 'sido');
    assert.equal(kostatLevelFromName('SGG_2018.geojson'), 'sigungu');
    assert.equal(kostatLevelFromName('emd.geojson'), 'eupmyeondong');
    assert.equal(kostatLevelFromName('boundaries.geojson'), null);
    assert.equal(kostatLevelFromName('sidonm.geojson'), null);
  });

  it('maps the shared census layers to their levels, with the year as version and the SGIS credit', async () => {
    const o = await kostatImportOptions([KOSTAT_2018.eupmyeondong, KOSTAT_2018.sido, KOSTAT_2018.sigungu], { preset: 'kostat', files: [] });
    assert.deepEqual(o.levels, { sido: KOSTAT_2018.sido, sigungu: KOSTAT_2018.sigungu, eupmyeondong: KOSTAT_2018.eupmyeondong });
    assert.deepEqual([o.name, o.version, o.effectiveDate, o.attribution, o.codeField, o.nameField], ['kostat', '2018', undefined, '통계청 통계지리정보서비스(SGIS)', 'code', 'name']);
  });

  it('tells a level by the length of the first code when the name does not say it', async () => {
    const fc = (code: string) => JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code, name: 'x', base_year: '2020' }, geometry: null }] });
    const a = join(dir, 'layer-a.geojson');
    const b = join(dir, 'layer-b.geojson');
    const c = join(dir, 'layer-c.geojson');
    await writeFile(a, fc('11'));
    await writeFile(b, fc('1101053'));
    await writeFile(c, fc('1101'));
    const o = await kostatImportOptions([a, b], { preset: 'kostat', files: [] });
    assert.deepEqual(o.levels, { sido: a, eupmyeondong: b });
    assert.equal(o.version, '2020', 'base_year when the names have no year');
    await assert.rejects(kostatImportOptions([c], { preset: 'kostat', files: [] }), /layer-c\.geojson: cannot tell its level; .* \(its first code is "1101"\)/);
    await assert.rejects(kostatImportOptions([a, KOSTAT_2018.sido], { preset: 'kostat', files: [] }), /are both sido \(시도\) layers/);
  });
});
