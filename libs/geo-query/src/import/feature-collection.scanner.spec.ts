import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundaryImportError, FeatureCollectionScanner } from './feature-collection.scanner';

function scan(text: string, chunkSize = text.length): unknown[] {
  const s = new FeatureCollectionScanner();
  const out: string[] = [];
  for (let i = 0; i < text.length; i += chunkSize) out.push(...s.push(text.slice(i, i + chunkSize)));
  s.end();
  return out.map((t) => JSON.parse(t));
}

const tricky = {
  type: 'Feature',
  // Braces, brackets, quotes and escapes inside strings must not confuse the depth count.
  properties: { code: '11', name: '서울 {특별}시 ["x"] \\ \u00e9', note: 'a"b' },
  geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] },
};
const plain = { type: 'Feature', properties: { code: '21', name: '부산' }, geometry: null };
const collection = JSON.stringify({
  type: 'FeatureCollection',
  name: 'sido {test}',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
  bbox: [0, 0, 1, 1],
  features: [tricky, plain],
});

describe('FeatureCollectionScanner', () => {
  it('yields every feature intact whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 7, 64, collection.length]) {
      assert.deepEqual(scan(collection, size), [tricky, plain], `chunk size ${size}`);
    }
  });

  it('accepts "type" after "features", pretty printing and a byte-order mark', () => {
    const text = '\ufeff{\n  "features": [\n    ' + JSON.stringify(plain) + '\n  ],\n  "type" : "FeatureCollection"\n}\n';
    assert.deepEqual(scan(text, 5), [plain]);
  });

  it('accepts an empty features array (emptiness is judged by the importer)', () => {
    assert.deepEqual(scan('{"type":"FeatureCollection","features":[]}'), []);
  });

  const rejects: [string, string, RegExp][] = [
    ['a JSON array', '[{"type":"Feature"}]', /not a JSON object/],
    ['a single Feature', JSON.stringify(plain), /not a GeoJSON FeatureCollection \("type" is "Feature"\)/],
    ['no type', '{"features":[]}', /no "type" member/],
    ['no features', '{"type":"FeatureCollection"}', /no "features" array/],
    ['features not an array', '{"type":"FeatureCollection","features":{}}', /"features" is not an array/],
    ['features a string', '{"type":"FeatureCollection","features":"x"}', /"features" is not an array/],
    ['features null', '{"type":"FeatureCollection","features":null}', /"features" is not an array/],
    ['a non-object feature', '{"type":"FeatureCollection","features":[{},3]}', /element 2 of "features" is not an object/],
    ['a truncated file', collection.slice(0, 200), /truncated/],
    ['an empty file', '  \n', /empty/],
    ['trailing content', '{"type":"FeatureCollection","features":[]} {}', /after the end/],
  ];
  for (const [what, text, message] of rejects) {
    it(`rejects ${what}`, () => {
      assert.throws(() => scan(text, 4), (e: unknown) => e instanceof BoundaryImportError && message.test(e.message));
    });
  }

  it('fails as soon as the type says it is not a collection, before reading the rest', () => {
    const s = new FeatureCollectionScanner();
    assert.throws(() => s.push('{"type":"Topology","objects":'), /"type" is "Topology"/);
  });
});
