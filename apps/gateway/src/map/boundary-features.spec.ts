import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bboxesMeet, featureCollection, featureOf, OUTLINE_DETAIL, parseBbox } from './boundary-features';

const square = (x: number, y: number) => JSON.stringify({ type: 'MultiPolygon', coordinates: [[[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]] });
const seoul = featureOf({ code: '1100000000', name: '서울특별시', geometry: square(126.8, 37.4), bbox: [126.8, 37.4, 127.8, 38.4] }, 'sido');
const jeju = featureOf({ code: '5000000000', name: '제주특별자치도', geometry: square(126.1, 33.1), bbox: [126.1, 33.1, 127.1, 34.1] }, 'sido');

describe('boundary features', () => {
  it('shapes a PostGIS outline as a GeoJSON Feature with its code, name, level and bbox', () => {
    assert.deepEqual(seoul, {
      type: 'Feature',
      bbox: [126.8, 37.4, 127.8, 38.4],
      properties: { code: '1100000000', name: '서울특별시', level: 'sido' },
      geometry: { type: 'MultiPolygon', coordinates: [[[[126.8, 37.4], [127.8, 37.4], [127.8, 38.4], [126.8, 38.4], [126.8, 37.4]]]] },
    });
  });

  it('answers a FeatureCollection of the level, all of it or the features whose box meets the bbox', () => {
    const all = featureCollection('d1', 'sido', [seoul, jeju], null);
    assert.deepEqual([all.type, all.datasetId, all.level, all.tolerance, all.features.length], ['FeatureCollection', 'd1', 'sido', OUTLINE_DETAIL.sido.tolerance, 2]);
    const north = featureCollection('d1', 'sido', [seoul, jeju], parseBbox('126.9,37.5,127,37.6'));
    assert.deepEqual(north.features.map((f) => f.properties.name), ['서울특별시']);
    assert.deepEqual(featureCollection('d1', 'sido', [seoul, jeju], parseBbox('130,36,131,37')).features, []);
  });

  it('reads a bbox with its corners in either order, and meets boxes that only touch', () => {
    assert.deepEqual(parseBbox(' 127.5, 38 ,126.5,37'), [126.5, 37, 127.5, 38]);
    assert.equal(parseBbox(undefined), null);
    assert.equal(bboxesMeet([0, 0, 1, 1], [1, 1, 2, 2]), true);
    assert.equal(bboxesMeet([0, 0, 1, 1], [1.01, 0, 2, 1]), false);
  });

  it('thins 시도 more than 시군구, and writes no more decimals than the thinning can use', () => {
    assert.ok(OUTLINE_DETAIL.sido.tolerance > OUTLINE_DETAIL.sigungu.tolerance);
    for (const d of Object.values(OUTLINE_DETAIL)) assert.ok(10 ** -d.digits <= d.tolerance && 10 ** -d.digits >= d.tolerance / 10);
  });
});
