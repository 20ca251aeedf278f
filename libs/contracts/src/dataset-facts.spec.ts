import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { datasetFactLines, type DatasetFacts } from './dataset-facts';

const BJD: DatasetFacts = {
  label: 'kr-bjd@2024-02',
  effectiveDate: '2024-02-13',
  levels: ['sido', 'sigungu', 'eupmyeondong'],
  simplified: true,
  attribution: '행정안전부 도로명주소 전자지도',
  notes: '리 단계 없음.',
};

describe('datasetFactLines (the 요약 lines of a dataset)', () => {
  it('gives the vintage, says simplified, lists the levels and names the missing 리 once', () => {
    assert.deepEqual(datasetFactLines(BJD, 'ko'), [
      ['기준일', '2024-02-13'],
      ['경계', '간소화된 경계 (simplified: 경계선 근처의 점은 이웃 지역으로 나올 수 있음)'],
      ['단계', '시도 · 시군구 · 읍면동; 리 단계 없음 (no 리 level in this dataset)'],
      ['출처', '행정안전부 도로명주소 전자지도'],
      ['참고', '리 단계 없음.'],
    ]);
  });

  it('in English, and for a full-detail dataset with every level, no source and no notes', () => {
    const full: DatasetFacts = { ...BJD, label: 'juso@2025-01', effectiveDate: null, levels: ['sido', 'sigungu', 'eupmyeondong', 'ri'], simplified: false, attribution: '', notes: '' };
    assert.deepEqual(datasetFactLines(full, 'en'), [
      ['effective date', 'unknown'],
      ['boundaries', 'as imported (full detail)'],
      ['levels', '시도 · 시군구 · 읍면동 · 리'],
    ]);
    assert.deepEqual(datasetFactLines({ ...BJD, levels: ['eupmyeondong'] }, 'en')[2], ['levels', '읍면동; no 시도 level in this dataset; no 시군구 level in this dataset; no 리 level in this dataset']);
  });
});
