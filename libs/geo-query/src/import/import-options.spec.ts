import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundaryImportError } from './feature-collection.scanner';
import { parseEffectiveDate, validateDatasetMeta, validateFieldName, validateLevelFields, validateLevelFiles, validateParentFields, validateSrid } from './import-options';

const isImportError = (m: RegExp) => (e: unknown) => e instanceof BoundaryImportError && m.test(e.message);

describe('validateLevelFiles', () => {
  it('returns the given levels most general first', () => {
    assert.deepEqual(validateLevelFiles({ eupmyeondong: 'e.json', sido: 's.json', ri: undefined }), [
      ['sido', 's.json'],
      ['eupmyeondong', 'e.json'],
    ]);
  });

  it('needs at least one level and only known ones', () => {
    assert.throws(() => validateLevelFiles({}), isImportError(/at least one level \(sido, sigungu, eupmyeondong, ri\)/));
    assert.throws(() => validateLevelFiles({ dong: 'x' }), isImportError(/unknown level "dong"/));
    assert.throws(() => validateLevelFiles({ sido: '' }), isImportError(/level "sido" must be a path/));
    assert.throws(() => validateLevelFiles(null), isImportError(/levels must map/));
  });
});

describe('validateDatasetMeta', () => {
  it('defaults the version and trims', () => {
    assert.deepEqual(validateDatasetMeta({ name: ' kostat-2018 ', attribution: ' SGIS ' }), {
      name: 'kostat-2018',
      version: '1',
      effectiveDate: null,
      attribution: 'SGIS',
      isDefault: false,
    });
  });

  it('accepts Korean names and rejects separators used elsewhere (name@version)', () => {
    assert.equal(validateDatasetMeta({ name: '행정동_2021.04' }).name, '행정동_2021.04');
    assert.throws(() => validateDatasetMeta({ name: 'a@b' }), isImportError(/may only hold/));
    assert.throws(() => validateDatasetMeta({ name: 'a b' }), isImportError(/may only hold/));
    assert.throws(() => validateDatasetMeta({ name: '' }), isImportError(/dataset name must not be empty/));
    assert.throws(() => validateDatasetMeta({ name: undefined }), isImportError(/dataset name is required/));
    assert.throws(() => validateDatasetMeta({ name: 'x', version: ' ' }), isImportError(/version must not be empty/));
  });
});

describe('parseEffectiveDate', () => {
  it('keeps real dates and rejects others', () => {
    assert.equal(parseEffectiveDate('2018-12-24'), '2018-12-24');
    assert.equal(parseEffectiveDate(undefined), null);
    assert.equal(parseEffectiveDate(''), null);
    assert.throws(() => parseEffectiveDate('2018-02-30'), isImportError(/not a date in YYYY-MM-DD form/));
    assert.throws(() => parseEffectiveDate('24.12.2018'), isImportError(/YYYY-MM-DD/));
  });
});

describe('validateFieldName', () => {
  it('falls back to the default and rejects blanks', () => {
    assert.equal(validateFieldName(undefined, 'code field', 'code'), 'code');
    assert.equal(validateFieldName('adm_cd', 'code field', 'code'), 'adm_cd');
    assert.throws(() => validateFieldName(' ', 'code field', 'code'), isImportError(/code field must not be empty/));
  });
});

describe('validateLevelFields', () => {
  it('takes one field for every level, or one per level with the default elsewhere', () => {
    assert.deepEqual(validateLevelFields(undefined, 'code field', 'code'), { sido: 'code', sigungu: 'code', eupmyeondong: 'code', ri: 'code' });
    assert.deepEqual(validateLevelFields('adm_cd', 'code field', 'code'), { sido: 'adm_cd', sigungu: 'adm_cd', eupmyeondong: 'adm_cd', ri: 'adm_cd' });
    assert.deepEqual(validateLevelFields({ sido: 'CTPRVN_CD', eupmyeondong: 'EMD_CD' }, 'code field', 'code'), {
      sido: 'CTPRVN_CD',
      sigungu: 'code',
      eupmyeondong: 'EMD_CD',
      ri: 'code',
    });
    assert.throws(() => validateLevelFields({ dong: 'x' } as never, 'code field', 'code'), isImportError(/code field: unknown level "dong"/));
    assert.throws(() => validateLevelFields({ sido: ' ' }, 'code field', 'code'), isImportError(/code field of sido must not be empty/));
  });
});

describe('validateSrid', () => {
  it('accepts the supported EPSG codes only', () => {
    assert.equal(validateSrid(undefined), undefined);
    assert.equal(validateSrid(5179), 'EPSG:5179');
    assert.equal(validateSrid(4326), 'EPSG:4326');
    assert.throws(() => validateSrid(2097), isImportError(/SRID 2097 is not supported; use one of 4326, 5179, 5186, 5181, 5174, 3857, 32652/));
    assert.throws(() => validateSrid(5179.5), isImportError(/not supported/));
  });
});

describe('validateParentFields', () => {
  it('names parent levels without a layer, with their code lengths', () => {
    assert.deepEqual(validateParentFields({ sigungu: 'sggnm', sido: 'sidonm' }, ['eupmyeondong']), [
      { level: 'sido', nameField: 'sidonm', codeLength: 2 },
      { level: 'sigungu', nameField: 'sggnm', codeLength: 5 },
    ]);
    assert.deepEqual(validateParentFields(undefined, ['sido']), []);
  });

  it('refuses a level that has a layer, or no finer layer to read from', () => {
    assert.throws(() => validateParentFields({ sido: 'sidonm' }, ['sido', 'eupmyeondong']), isImportError(/sido \(시도\) has a layer of its own/));
    assert.throws(() => validateParentFields({ eupmyeondong: 'emd' }, ['sido', 'sigungu']), isImportError(/eupmyeondong \(읍면동\) parent names need a finer layer/));
    assert.throws(() => validateParentFields({ gu: 'x' } as never, ['eupmyeondong']), isImportError(/unknown level "gu"/));
  });
});
