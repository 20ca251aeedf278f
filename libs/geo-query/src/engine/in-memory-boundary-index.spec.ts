import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdminLevel } from '@geobatch/contracts';
import { AreaChains } from './area-chains';
import { BoundaryIndexBuilder } from './boundary-index-builder';
import { compareCodesC, type BoundaryPieceInput } from './boundary-index-data';
import { InMemoryBoundaryIndex } from './in-memory-boundary-index';
import { InMemoryLookup, NEAREST_BOX_MARGIN } from './in-memory-lookup';

type Ring = number[][];
const box = (x0: number, y0: number, x1: number, y1: number): Ring => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const piece = (level: AdminLevel, code: string, ...rings: Ring[]): BoundaryPieceInput => ({ level, code, rings });
const at = (idx: InMemoryBoundaryIndex, x: number, y: number) => {
  const hit = idx.lookup(x, y);
  return hit && `${hit.level}:${hit.code}`;
};

/*
 * 시도 11 covers x 0..20, y 0..10; 시군구 11010 x 0..10 and 11020 x 10..20;
 * 읍면동 1101002 (x 0..5) and 1101001 (x 5..10) share the edge x = 5, 1102001 covers x 10..15 with a
 * hole x 12..13, y 4..6. The larger codes are added first so that the code rule, not the order, decides.
 */
const PIECES: BoundaryPieceInput[] = [
  piece('sido', '11', box(0, 0, 20, 10)),
  piece('sigungu', '11020', box(10, 0, 20, 10)),
  piece('sigungu', '11010', box(0, 0, 10, 10)),
  piece('eupmyeondong', '1102001', box(10, 0, 15, 10), box(12, 4, 13, 6)),
  piece('eupmyeondong', '1101002', box(0, 0, 5, 10)),
  piece('eupmyeondong', '1101001', box(5, 0, 10, 10)),
];

describe('InMemoryBoundaryIndex', () => {
  const idx = InMemoryBoundaryIndex.fromPieces(PIECES);

  it('finds the piece holding an interior point', () => {
    assert.equal(at(idx, 2.5, 5), 'eupmyeondong:1101002');
    assert.equal(at(idx, 7.25, 1.125), 'eupmyeondong:1101001');
    assert.deepEqual(idx.lookup(2.5, 5), { level: 'eupmyeondong', code: '1101002' });
  });

  it('matches a point exactly on a vertex', () => {
    assert.equal(at(idx, 0, 0), 'eupmyeondong:1101002');
    assert.equal(at(idx, 15, 10), 'eupmyeondong:1102001'); // outer corner of 1102001, also on 11020 and 11
    assert.equal(at(idx, 20, 10), 'sigungu:11020'); // corner of the 시군구, no 읍면동 there
  });

  it('gives a point on an edge shared by two polygons to the smaller code', () => {
    assert.equal(at(idx, 5, 3.3), 'eupmyeondong:1101001');
    assert.equal(at(idx, 5, 10), 'eupmyeondong:1101001'); // shared vertex
    assert.equal(at(idx, 10, 4), 'eupmyeondong:1101001'); // edge between 시군구s, too: 1101001 < 1102001
    // Insertion order does not matter.
    const reversed = InMemoryBoundaryIndex.fromPieces([...PIECES].reverse());
    assert.equal(at(reversed, 5, 3.3), 'eupmyeondong:1101001');
  });

  it('treats a hole interior as outside and the hole boundary as on the polygon', () => {
    assert.equal(at(idx, 12.5, 5), 'sigungu:11020'); // in the hole: falls back to the 시군구
    assert.equal(at(idx, 12, 5), 'eupmyeondong:1102001'); // on the hole's edge
    assert.equal(at(idx, 13, 6), 'eupmyeondong:1102001'); // on the hole's vertex
    assert.equal(at(idx, 12.5, 6.5), 'eupmyeondong:1102001'); // just beside the hole
  });

  it('returns the most specific level holding the point', () => {
    assert.equal(at(idx, 17, 5), 'sigungu:11020');
    const sidoOnly = InMemoryBoundaryIndex.fromPieces([piece('sido', '11', box(0, 0, 20, 10)), piece('ri', '110100101', box(1, 1, 2, 2))]);
    assert.equal(at(sidoOnly, 1.5, 1.5), 'ri:110100101');
    assert.equal(at(sidoOnly, 2, 2), 'ri:110100101');
    assert.equal(at(sidoOnly, 3, 3), 'sido:11');
  });

  it('returns null outside every piece, also for non-finite coordinates', () => {
    assert.equal(idx.lookup(-0.001, 5), null);
    assert.equal(idx.lookup(20.5, 5), null);
    assert.equal(idx.lookup(10, 10.0000001), null);
    assert.equal(idx.lookup(Number.NaN, 5), null);
    assert.equal(idx.lookup(Number.POSITIVE_INFINITY, 5), null);
  });

  it('counts the winding of concave rings correctly when the point is level with vertices', () => {
    const concave = InMemoryBoundaryIndex.fromPieces([
      piece('eupmyeondong', '1', [[0, 0], [3, -1], [4, 1], [1, 2], [0, 0]]),
      piece('eupmyeondong', '2', [[10, 0], [14, 0], [14, 4], [12, 2], [10, 4], [10, 0]]), // notch from the top
    ]);
    assert.equal(at(concave, 2, 0), 'eupmyeondong:1');
    assert.equal(at(concave, 12, 2), 'eupmyeondong:2'); // the notch's vertex
    assert.equal(at(concave, 12, 3), null); // in the notch
    assert.equal(at(concave, 11, 2), 'eupmyeondong:2'); // level with the notch vertex, inside
    assert.equal(at(concave, 9, 2), null); // level with it, outside
  });

  it('ignores repeated vertices and closes open rings', () => {
    const idx2 = InMemoryBoundaryIndex.fromPieces([piece('eupmyeondong', '1', [[0, 0], [1, 0], [1, 0], [1, 1], [0, 1]])]);
    assert.equal(at(idx2, 0.5, 0.5), 'eupmyeondong:1');
    assert.equal(at(idx2, 0, 0.5), 'eupmyeondong:1'); // on the closing edge
    assert.equal(at(idx2, 1.5, 0), null);
  });

  it('orders codes as COLLATE "C" does (bytes, not numbers)', () => {
    assert.ok(compareCodesC('10', '9') < 0);
    assert.ok(compareCodesC('1101001', '1101002') < 0);
    const idx2 = InMemoryBoundaryIndex.fromPieces([piece('eupmyeondong', '9', box(0, 0, 1, 1)), piece('eupmyeondong', '10', box(1, 0, 2, 1))]);
    assert.equal(at(idx2, 1, 0.5), 'eupmyeondong:10');
  });

  it('keeps several pieces of one area apart from other areas', () => {
    const split = InMemoryBoundaryIndex.fromPieces([
      piece('eupmyeondong', '2', box(0, 0, 1, 1)),
      piece('eupmyeondong', '2', box(1, 0, 2, 1)),
      piece('eupmyeondong', '1', box(2, 0, 3, 1)),
    ]);
    assert.equal(split.areaCount, 2);
    assert.equal(at(split, 1, 0.5), 'eupmyeondong:2');
    assert.equal(at(split, 2, 0.5), 'eupmyeondong:1');
    assert.deepEqual(split.stats().pieces, 3);
  });

  it('lookupMany answers like lookup, as area ids', () => {
    const lons = new Float64Array([2.5, 5, 12.5, 17, 30, 12]);
    const lats = new Float64Array([5, 3.3, 5, 5, 5, 5]);
    const ids = idx.lookupMany(lons, lats);
    assert.deepEqual(
      [...ids].map((id) => (id < 0 ? null : idx.area(id))),
      [...lons].map((x, i) => idx.lookup(x, lats[i])),
    );
    assert.equal(ids[4], -1);
    const out = new Int32Array(10).fill(7);
    assert.equal(idx.lookupMany(lons, lats, out), out);
    assert.deepEqual([...out.subarray(0, 6)], [...ids]);
    assert.throws(() => idx.lookupMany(lons, new Float64Array(2)), RangeError);
  });

  it('agrees with testing every piece, on random pieces and points (tree walk, ordering, tie-breaks)', () => {
    let seed = 42;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const grid = (v: number) => Math.round(v * 8) / 8; // coarse coordinates: many shared edges and vertices
    const levels: AdminLevel[] = ['sido', 'sigungu', 'eupmyeondong', 'ri'];
    const pieces: BoundaryPieceInput[] = [];
    for (let i = 0; i < 600; i++) {
      const x = grid(rnd() * 40), y = grid(rnd() * 40), w = grid(0.25 + rnd() * 3), h = grid(0.25 + rnd() * 3);
      const tri = rnd() < 0.3;
      const outer = tri ? [[x, y], [x + w, y], [x, y + h], [x, y]] : box(x, y, x + w, y + h);
      const rings = !tri && rnd() < 0.2 ? [outer, box(x + w / 4, y + h / 4, x + w / 2, y + h / 2)] : [outer];
      pieces.push(piece(levels[Math.floor(rnd() * 4)], String(Math.floor(rnd() * 60)), ...rings));
    }
    const idx2 = InMemoryBoundaryIndex.fromPieces(pieces);
    const n = 9_000;
    const lons = new Float64Array(n);
    const lats = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const onGrid = i % 2 === 0;
      lons[i] = onGrid ? grid(rnd() * 44 - 2) : rnd() * 44 - 2;
      lats[i] = onGrid ? grid(rnd() * 44 - 2) : rnd() * 44 - 2;
    }
    const ids = idx2.lookupMany(lons, lats);
    let matched = 0;
    for (let i = 0; i < n; i++) {
      // Brute force: every piece, then the finest level, then the smallest code (C order).
      let best: { level: AdminLevel; code: string } | null = null;
      pieces.forEach((p, k) => {
        if (idx2.pointInPiece(k, lons[i], lats[i]) === -1) return;
        const better = !best || levels.indexOf(p.level) > levels.indexOf(best.level) || (p.level === best.level && compareCodesC(p.code, best.code) < 0);
        if (better) best = { level: p.level, code: p.code };
      });
      if (best) matched++;
      assert.deepEqual(idx2.lookup(lons[i], lats[i]), best, `point ${lons[i]},${lats[i]}`);
      assert.deepEqual(ids[i] < 0 ? null : idx2.area(ids[i]), best, `lookupMany, point ${lons[i]},${lats[i]}`);
    }
    assert.ok(matched > n / 4, `only ${matched} points matched`);
  });

  it('the flat builder matches the nested one and rejects malformed rings', () => {
    const flat = new BoundaryIndexBuilder()
      .addFlatPolygon('eupmyeondong', '1102001', new Float64Array([...box(10, 0, 15, 10), ...box(12, 4, 13, 6)].flat()), [5, 5])
      .build();
    for (const [x, y] of [[12.5, 5], [12, 5], [11, 1], [16, 1]]) assert.equal(at(flat, x, y), x === 12.5 || x === 16 ? null : 'eupmyeondong:1102001');
    assert.throws(() => new BoundaryIndexBuilder().addFlatPolygon('sido', '1', [0, 0, 1, 0, 1, 1], [3]), /not closed/);
    assert.throws(() => new BoundaryIndexBuilder().addFlatPolygon('sido', '1', [0, 0, 1, 0, 0, 0], [4]), /add up/);
    assert.throws(() => new BoundaryIndexBuilder().addPolygon('town' as AdminLevel, '1', [box(0, 0, 1, 1)]), /unknown level/);
  });
});

describe('AreaChains and InMemoryLookup', () => {
  const areas = new AreaChains([
    { level: 'sido', code: '11', name: '가도', parentCode: null },
    { level: 'sigungu', code: '11010', name: '가군', parentCode: '11' },
    { level: 'sigungu', code: '11020', name: '나군', parentCode: '11' },
    { level: 'eupmyeondong', code: '1101001', name: '가동', parentCode: '11010' },
    { level: 'eupmyeondong', code: '1101002', name: '나동', parentCode: '11010' },
    { level: 'eupmyeondong', code: '1102001', name: '다동', parentCode: '11020' },
  ]);
  const lookup = new InMemoryLookup('00000000-0000-4000-8000-000000000000', InMemoryBoundaryIndex.fromPieces(PIECES), areas);
  const sido = { code: '11', name: '가도' };
  const ga = { code: '11010', name: '가군' };

  it('follows parent codes to the finest coarser level, at most four areas', () => {
    assert.deepEqual(areas.chain('eupmyeondong', '1101002').map((a) => a.code), ['1101002', '11010', '11']);
    assert.deepEqual(areas.chain('sigungu', 'nope'), []);
    const skipping = new AreaChains([
      { level: 'sido', code: '11', name: 'a', parentCode: null },
      { level: 'eupmyeondong', code: '1101001', name: 'b', parentCode: '11' },
      // A parent of the same or a finer level is never followed.
      { level: 'ri', code: '1', name: 'c', parentCode: '1' },
      { level: 'sigungu', code: '1', name: 'd', parentCode: null },
    ]);
    assert.deepEqual(skipping.hit('eupmyeondong', '1101001'), { sido: { code: '11', name: 'a' }, eupmyeondong: { code: '1101001', name: 'b' } });
    assert.deepEqual(skipping.hit('ri', '1'), { sigungu: { code: '1', name: 'd' }, ri: { code: '1', name: 'c' } });
  });

  it('answers in the shape of BoundaryLookup.lookup, absent when outside', async () => {
    const hits = await lookup.lookup([
      { n: 1, lon: 5, lat: 3 }, // shared edge
      { n: 2, lon: 12.5, lat: 5 }, // in the hole
      { n: 3, lon: 50, lat: 50 }, // outside
      { n: 4, lon: 2, lat: 2 },
    ]);
    assert.deepEqual(hits.get(1), { sido, sigungu: ga, eupmyeondong: { code: '1101001', name: '가동' } });
    assert.deepEqual(hits.get(2), { sido, sigungu: { code: '11020', name: '나군' } });
    assert.equal(hits.has(3), false);
    assert.deepEqual(hits.get(4), { sido, sigungu: ga, eupmyeondong: { code: '1101002', name: '나동' } });
    assert.equal(hits.size, 3);
    // Fresh objects per point: changing one answer leaves the others alone.
    hits.get(1)!.sido!.name = 'changed';
    assert.equal(hits.get(4)!.sido!.name, '가도');
  });

  it('validates points as the reference does', async () => {
    await assert.rejects(lookup.lookup([{ n: 1, lon: 1, lat: 1 }, { n: 1, lon: 2, lat: 2 }]), /used twice/);
    await assert.rejects(lookup.lookup([{ n: 1, lon: Number.NaN, lat: 1 }]), /non-finite/);
    assert.equal((await lookup.lookup([])).size, 0);
  });

  it('hands the points in no polygon to the nearest fallback when nearestM > 0', async () => {
    const calls: { datasetId: string; ns: number[]; nearestM?: number }[] = [];
    const nearest = {
      lookup: async (datasetId: string, points: readonly { n: number }[], options?: { nearestM?: number }) => {
        calls.push({ datasetId, ns: points.map((p) => p.n), nearestM: options?.nearestM });
        return new Map(points.filter((p) => p.n === 3).map((p) => [p.n, { sido, nearest: { distanceM: 12.5 } }]));
      },
    };
    const hybrid = new InMemoryLookup('00000000-0000-4000-8000-000000000000', InMemoryBoundaryIndex.fromPieces(PIECES), areas, { nearest });
    const points = [{ n: 1, lon: 2, lat: 2 }, { n: 3, lon: 20.001, lat: 5 }, { n: 4, lon: 50, lat: 50 }];
    const hits = await hybrid.lookup(points, { nearestM: 250 });
    // Point 4 is thousands of km from every piece: the reference could find no candidate, it is not sent.
    assert.deepEqual(calls, [{ datasetId: '00000000-0000-4000-8000-000000000000', ns: [3], nearestM: 250 }]);
    assert.deepEqual(hits.get(3), { sido, nearest: { distanceM: 12.5 } });
    assert.equal(hits.get(1)?.eupmyeondong?.code, '1101002');
    assert.equal(hits.has(4), false);
    // Exact only: no call; every point found: no call.
    await hybrid.lookup(points);
    await hybrid.lookup(points, { nearestM: 0 });
    await hybrid.lookup([points[0]], { nearestM: 100 });
    assert.equal(calls.length, 1);
    await assert.rejects(hybrid.lookup(points, { nearestM: 1.5 }), /nearestM must be an integer/);
    await assert.rejects(lookup.lookup(points, { nearestM: 10 }), /no nearest-polygon fallback/);
    assert.equal((await lookup.lookup(points, { nearestM: 0 })).size, 1);
  });

  it('sends the fallback only the misses whose search box meets some piece\'s box (widened by the margin)', async () => {
    const sent: number[][] = [];
    const nearest = { lookup: async (_id: string, points: readonly { n: number }[]) => (sent.push(points.map((p) => p.n)), new Map()) };
    const hybrid = new InMemoryLookup('x', InMemoryBoundaryIndex.fromPieces(PIECES), areas, { nearest });
    // At latitude 5, 1000 m is 1000 / 110000 = 0.00909° north-south and ≈ 0.00913° east-west.
    const dLat = 1000 / 110000;
    const dLon = 1000 / (110000 * Math.cos(((5 + dLat) * Math.PI) / 180));
    await hybrid.lookup([
      { n: 1, lon: 20 + dLon - 1e-6, lat: 5 }, // the box reaches x = 20
      { n: 2, lon: 20 + dLon + NEAREST_BOX_MARGIN / 2, lat: 5 }, // only within the margin: still sent
      { n: 3, lon: 20 + dLon + 2 * NEAREST_BOX_MARGIN, lat: 5 }, // beyond: no candidate anywhere
      { n: 4, lon: 5, lat: -dLat - 2 * NEAREST_BOX_MARGIN }, // south of every piece
      { n: 5, lon: 5, lat: -dLat + 1e-6 },
    ], { nearestM: 1000 });
    assert.deepEqual(sent, [[1, 2, 5]]);
    await hybrid.lookup([{ n: 1, lon: 60, lat: 60 }], { nearestM: 5000 });
    assert.equal(sent.length, 1, 'no query when no miss can have a candidate');
    assert.equal(InMemoryBoundaryIndex.fromPieces(PIECES).anyPieceInBox(20, 10, 21, 11), true, 'a shared corner counts');
  });

  it('drops hits on pieces whose area row is missing, as the SQL join does', () => {
    const partial = new InMemoryLookup('x', InMemoryBoundaryIndex.fromPieces([piece('eupmyeondong', '9', box(0, 0, 1, 1))]), areas);
    assert.equal(partial.lookupSync([{ n: 1, lon: 0.5, lat: 0.5 }]).size, 0);
  });
});
