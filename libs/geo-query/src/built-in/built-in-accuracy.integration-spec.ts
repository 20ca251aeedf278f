import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { ADMDONG_2021, KOSTAT_2018, mulberry32 } from '@geobatch/util-testing';
import { DatasetRepository } from '../dataset.repository';
import { InMemoryLookup } from '../engine/in-memory-lookup';
import { BoundaryImporter } from '../import/boundary-importer.service';
import { BoundaryLookup, type LookupHit, type LookupPoint } from '../lookup/boundary-lookup.service';
import { openTestDataSource, uniqueName } from '../testing/geo-test-db';
import { KR_BJD, KR_HJD, spacedSigunguName } from './built-in-datasets';

/*
 * How often the simplified built-in layers agree with full-detail ones, on seeded random points
 * spread uniformly over the full-detail layer's land (uniform in a box, kept when the full-detail
 * layer holds the point: so the sample is weighted by area). Both sides answer through the
 * geocoder's default engine (the in-memory index, with the PostGIS nearest rule for misses at the
 * default 200 m), one batch call per dataset. The figures are printed as one JSON line per
 * comparison (quoted in the README, "Built-in datasets"); the floors only catch a broken loader.
 *
 * Reproduce: node tools/test/run-node-tests.mjs integration built-in-accuracy
 */
const POINTS = 20_000;
/** The geocoder's default nearest-polygon tolerance (README, "Lookup rules"). */
const NEAREST_M = 200;
const BOX = { lon0: 124, lon1: 132, lat0: 33, lat1: 39 };

/*
 * Normalising KOSTAT 2018 names to the 2024-02 법정 names, so that a rename is not counted as a
 * boundary disagreement (each was checked against both files):
 * - 시도 강원도 → 강원특별자치도 (2023-06-11), 전라북도 → 전북특별자치도 (2024-01-18);
 * - 군위군 (KOSTAT 37310) moved from 경상북도 to 대구광역시 (2023-07-01);
 * - 인천 남구 (KOSTAT 23030) → 미추홀구 (2018-07-01; the 2018 census layer keeps the old name);
 * - 세종 has one 시군구 named 세종시 in KOSTAT, 세종특별자치시 in 2024;
 * - KOSTAT writes 일반구 joined to their 시 (수원시장안구), 2024 with a space (수원시 장안구);
 * - 부천시 regained its 일반구 on 2024-01-01 (원미구, 소사구, 오정구): 2024's 부천시 X구 compare as 부천시.
 * Any other change between 2018 and 2024 (boundary adjustments) counts as a disagreement.
 */
const SIDO_2024: Record<string, string> = { 강원도: '강원특별자치도', 전라북도: '전북특별자치도' };
const KOSTAT_SIGUNGU_2024: Record<string, { sido?: string; name: string }> = {
  '37310': { sido: '대구광역시', name: '군위군' },
  '23030': { name: '미추홀구' },
  '29010': { name: '세종특별자치시' },
};

interface Key {
  sido: string;
  sigungu: string;
}

/*
 * 읍/면 renamed between 2018 and 2024 with the same area, by 2024 시군구 (KOSTAT name → 2024 법정 name).
 * Found in the data (each pair is where the KOSTAT 읍/면 points land in the built-in layer) and checked
 * below: the old name is gone from that 시군구 in 2024 and the new one was not there in 2018.
 */
const EUPMYEON_RENAMED: Record<string, Record<string, string>> = {
  '경상북도 청송군': { 부동면: '주왕산면' },
  '강원특별자치도 영월군': { 중동면: '산솔면' },
  '강원특별자치도 양구군': { 남면: '국토정중앙면' },
  '대구광역시 군위군': { 고로면: '삼국유사면' },
  '경상북도 경주시': { 양북면: '문무대왕면' },
  '강원특별자치도 홍천군': { 동면: '영귀미면' },
  '전라남도 화순군': { 북면: '백아면', 남면: '사평면' },
  '전라남도 담양군': { 남면: '가사문학면' },
  '경상북도 상주시': { 사벌면: '사벌국면' },
  '경기도 여주시': { 능서면: '세종대왕면' },
};

const keyText = (k: Key) => `${k.sido} ${k.sigungu}`;

/** A 읍/면 name as 2024 spells it, without its 읍/면 suffix (a 면 promoted to 읍 keeps its stem). */
function eupmyeonStem(key: Key, name: string): string {
  return (EUPMYEON_RENAMED[keyText(key)]?.[name] ?? name).replace(/[읍면]$/u, '');
}

function kostatKey(hit: LookupHit): Key | undefined {
  if (!hit.sido || !hit.sigungu) return undefined;
  const fix = KOSTAT_SIGUNGU_2024[hit.sigungu.code.slice(0, 5)];
  return {
    sido: fix?.sido ?? SIDO_2024[hit.sido.name] ?? hit.sido.name,
    sigungu: fix?.name ?? spacedSigunguName(hit.sigungu.name),
  };
}

function bjdKey(hit: LookupHit): Key | undefined {
  if (!hit.sido || !hit.sigungu) return undefined;
  return { sido: hit.sido.name, sigungu: hit.sigungu.name.replace(/^부천시 \S+구$/u, '부천시') };
}

/** Points uniform in BOX that a 읍면동 of the full-detail layer holds (exact rule), drawn from a fixed seed. */
function landPoints(reference: InMemoryLookup, seed: number, count: number): { points: LookupPoint[]; hits: Map<number, LookupHit>; drawn: number } {
  const rnd = mulberry32(seed);
  const points: LookupPoint[] = [];
  const hits = new Map<number, LookupHit>();
  let drawn = 0;
  while (points.length < count) {
    const batch: LookupPoint[] = [];
    for (let i = 0; i < 10_000; i++, drawn++) {
      batch.push({ n: drawn, lon: BOX.lon0 + (BOX.lon1 - BOX.lon0) * rnd(), lat: BOX.lat0 + (BOX.lat1 - BOX.lat0) * rnd() });
    }
    const found = reference.lookupSync(batch);
    for (const p of batch) {
      const hit = found.get(p.n);
      if (!hit?.eupmyeondong || !hit.sigungu || points.length >= count) continue;
      points.push(p);
      hits.set(p.n, hit);
    }
  }
  return { points, hits, drawn };
}

/**
 * Tallies answers by how the built-in layer gave them (a polygon holds the point, the nearest rule,
 * nothing), so both the exact-rule and the default-rule (nearest within 200 m) figures can be read off.
 */
class Tally {
  private readonly exact = { same: 0, different: 0 };
  private readonly nearest = { same: 0, different: 0 };
  private none = 0;
  private total = 0;

  add(hit: LookupHit | undefined, same: boolean): void {
    this.total++;
    if (!hit) this.none++;
    else this[hit.nearest ? 'nearest' : 'exact'][same ? 'same' : 'different']++;
  }

  /** The share that agrees under the geocoder's default rule (nearest within 200 m). */
  get sameShare(): number {
    return (this.exact.same + this.nearest.same) / this.total;
  }

  report(comparison: string, extra: Record<string, unknown> = {}): string {
    const pct = (n: number) => Math.round((10_000 * n) / this.total) / 100;
    const { exact: e, nearest: n } = this;
    return JSON.stringify({
      comparison,
      points: this.total,
      exact: { samePct: pct(e.same), differentPct: pct(e.different), nonePct: pct(this.total - e.same - e.different) },
      [`nearest${NEAREST_M}m`]: { samePct: pct(e.same + n.same), differentPct: pct(e.different + n.different), nonePct: pct(this.none) },
      ...extra,
    });
  }
}

/** Counts of keys, most frequent first: where the disagreements are. */
function top(counts: Map<string, number>, k: number): Record<string, number> {
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k));
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

describe('built-in datasets vs full-detail layers (accuracy, real PostGIS)', () => {
  let ds: DataSource;
  const imported: string[] = [];
  let bjd: InMemoryLookup;
  let hjd: InMemoryLookup;
  let kostat: InMemoryLookup;
  let admdong: InMemoryLookup;
  const timings: Record<string, number> = {};

  async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[what] = Math.round(performance.now() - t0);
    }
  }

  before(async () => {
    ds = await openTestDataSource();
    const repo = new DatasetRepository(ds);
    const builtIn = async (name: string, version: string) => {
      const d = await repo.findByName(name);
      assert.ok(d && d.version === version, `the test database has ${name}@${version} (set-up seeds it: npm run cli -- datasets:seed-default)`);
      return d.id;
    };
    const [bjdId, hjdId] = await Promise.all([builtIn(KR_BJD.name, KR_BJD.version), builtIn(KR_HJD.name, KR_HJD.version)]);
    // Misses of the built-in layers go to PostGIS for the nearest rule, as in the geocoder.
    const nearest = new BoundaryLookup(ds);
    [bjd, hjd] = await timed('load built-in', () =>
      Promise.all([InMemoryLookup.load(ds, bjdId, { nearest }), InMemoryLookup.load(ds, hjdId, { nearest })]),
    );

    // The full-detail fixtures, imported once for this file under unique names, deleted after.
    const importer = new BoundaryImporter(ds);
    const k = await timed('import kostat-2018', () =>
      importer.importGeoJson({ name: uniqueName('accuracy-kostat'), version: '2018', levels: { ...KOSTAT_2018 } }),
    );
    imported.push(k.datasetId);
    // 10-digit adm_cd2 (행정기관코드) as the code, comparable with kr-hjd's; names as ADMDONG_2021 says.
    const a = await timed('import admdong-2021-04', () =>
      importer.importGeoJson({
        name: uniqueName('accuracy-admdong'),
        version: '2021-04',
        levels: { eupmyeondong: ADMDONG_2021.eupmyeondong },
        codeField: 'adm_cd2',
        nameField: ADMDONG_2021.nameField,
        nameLastWord: ADMDONG_2021.nameLastWord,
        parentNameFields: { ...ADMDONG_2021.parentNameFields },
      }),
    );
    imported.push(a.datasetId);
    [kostat, admdong] = await timed('load full-detail', () => Promise.all([InMemoryLookup.load(ds, k.datasetId), InMemoryLookup.load(ds, a.datasetId)]));
  });

  after(async () => {
    const repo = ds ? new DatasetRepository(ds) : undefined;
    for (const id of imported) await repo?.delete(id);
    await ds?.destroy();
  });

  it(`kr-bjd@2024-02 vs KOSTAT 2018 at 시도, 시군구 and 읍/면 on ${POINTS.toLocaleString('en')} points`, async (t) => {
    t.diagnostic(`set-up: ${JSON.stringify(timings)}`);
    await checkRenames();
    const { points, hits: full, drawn } = landPoints(kostat, 20_240_213, POINTS);
    const got = await timed('kr-bjd lookup', () => bjd.lookup(points, { nearestM: NEAREST_M }));
    const sido = new Tally();
    const sigungu = new Tally();
    const eupmyeon = new Tally();
    const unanswered = new Map<string, number>();
    const sigunguDiffers = new Map<string, number>();
    let nested = 0;
    for (const p of points) {
      const want = kostatKey(full.get(p.n)!)!;
      const hit = got.get(p.n);
      const have = hit && bjdKey(hit);
      const sameSigungu = have !== undefined && have.sido === want.sido && have.sigungu === want.sigungu;
      sido.add(hit, have?.sido === want.sido);
      sigungu.add(hit, sameSigungu);
      if (!hit) bump(unanswered, keyText(want));
      else if (!sameSigungu) bump(sigunguDiffers, `${keyText(want)} → ${have ? keyText(have) : JSON.stringify(hit)}`);
      // The built-in 읍면동's own 시군구 (its code prefix) is the 시군구 the point got: the parents are unions of the 읍면동.
      if (hit?.eupmyeondong && hit.sigungu && hit.eupmyeondong.code.slice(0, 5) === hit.sigungu.code.slice(0, 5)) nested++;
      // 읍 and 면 are the same units in 법정 and 행정 geography (only 동 differ), so KOSTAT's census 읍/면 are
      // comparable with the 법정 읍면동: same 시군구 and the same name stem, renames mapped.
      const emd = full.get(p.n)!.eupmyeondong?.name;
      if (emd && /[읍면]$/u.test(emd)) {
        eupmyeon.add(hit, sameSigungu && hit?.eupmyeondong !== undefined && eupmyeonStem(want, emd) === eupmyeonStem(want, hit.eupmyeondong.name));
      }
    }
    const answered = [...got.values()].filter((h) => h.eupmyeondong).length;
    // The parents are unions of the 읍면동, so a coarser-only answer is a gap between levels: reported, not a figure.
    const coarseOnly = points.filter((p) => got.has(p.n) && !got.get(p.n)!.eupmyeondong).map((p) => ({ lon: p.lon, lat: p.lat, hit: got.get(p.n) }));
    if (coarseOnly.length > 0) t.diagnostic(`kr-bjd: ${coarseOnly.length} points answered above 읍면동 only: ${JSON.stringify(coarseOnly.slice(0, 3))}`);
    t.diagnostic(sido.report('kr-bjd@2024-02 vs kostat-2018 시도', { drawnInBox: drawn }));
    t.diagnostic(sigungu.report('kr-bjd@2024-02 vs kostat-2018 시군구'));
    t.diagnostic(eupmyeon.report('kr-bjd@2024-02 vs kostat-2018 읍/면 (points in a KOSTAT 읍 or 면)'));
    t.diagnostic(JSON.stringify({ comparison: 'kr-bjd@2024-02 읍면동 within its 시군구', answered, nestedPct: Math.round((10_000 * nested) / answered) / 100 }));
    t.diagnostic(`kr-bjd: no answer within ${NEAREST_M} m, by KOSTAT 시군구: ${JSON.stringify(top(unanswered, 8))}`);
    t.diagnostic(`kr-bjd: another 시군구: ${JSON.stringify(top(sigunguDiffers, 8))}`);
    t.diagnostic(`kr-bjd lookup of ${points.length} points (exact in memory, misses to PostGIS): ${timings['kr-bjd lookup']} ms`);

    assert.equal(nested, answered, 'every built-in 읍면동 lies in the 시군구 the point got');
    assert.deepEqual(coarseOnly, [], 'no point falls between the levels (the parents are ST_Unions of the 읍면동, gaps included)');
    assert.ok(sido.sameShare >= 0.98, `시도 agreement ${sido.sameShare}`);
    assert.ok(sigungu.sameShare >= 0.97, `시군구 agreement ${sigungu.sameShare}`);
    assert.ok(eupmyeon.sameShare >= 0.95, `읍/면 agreement ${eupmyeon.sameShare}`);
  });

  /** Each 읍/면 rename mapped above is one: the old name is gone from that 시군구 in 2024, the new one was not there in 2018. */
  async function checkRenames(): Promise<void> {
    const names = async (id: string, key: (sido: string, sigungu: string, code: string) => Key | undefined) => {
      const rows: { sido: string; sigungu: string; sgg_code: string; emd: string }[] = await ds.query(
        `SELECT d.name AS sido, g.name AS sigungu, g.code AS sgg_code, e.name AS emd
         FROM boundary_area e
         JOIN boundary_area g ON g.dataset_id = e.dataset_id AND g.level = 'sigungu' AND g.code = e.parent_code
         JOIN boundary_area d ON d.dataset_id = e.dataset_id AND d.level = 'sido' AND d.code = g.parent_code
         WHERE e.dataset_id = $1 AND e.level = 'eupmyeondong'`,
        [id],
      );
      return new Set(rows.map((r) => `${keyText(key(r.sido, r.sigungu, r.sgg_code)!)} ${r.emd}`));
    };
    const [old, now] = await Promise.all([
      names(kostat.datasetId, (sido, sigungu, code) => kostatKey({ sido: { code: code.slice(0, 2), name: sido }, sigungu: { code, name: sigungu } })),
      names(bjd.datasetId, (sido, sigungu) => bjdKey({ sido: { code: '', name: sido }, sigungu: { code: '', name: sigungu } })),
    ]);
    for (const [sigungu, renames] of Object.entries(EUPMYEON_RENAMED)) {
      for (const [from, to] of Object.entries(renames)) {
        assert.ok(old.has(`${sigungu} ${from}`) && !now.has(`${sigungu} ${from}`), `${sigungu} ${from} is in 2018 only`);
        assert.ok(now.has(`${sigungu} ${to}`) && !old.has(`${sigungu} ${to}`), `${sigungu} ${to} is in 2024 only`);
      }
    }
  }

  it(`kr-hjd@2022-03 vs 행정동 2021-04 (15 시도) by code and by name on ${POINTS.toLocaleString('en')} points`, async (t) => {
    const { points, hits: full, drawn } = landPoints(admdong, 20_220_309, POINTS);
    const got = await timed('kr-hjd lookup', () => hjd.lookup(points, { nearestM: NEAREST_M }));
    // 동 codes of the built-in layer: a 2021 동 whose code is still there in 2022-03 is "in both vintages".
    const builtInCodes = new Set<string>(
      (
        await ds.query(`SELECT code FROM boundary_area WHERE dataset_id = $1 AND level = 'eupmyeondong'`, [hjd.datasetId])
      ).map((r: { code: string }) => r.code),
    );
    const byCode = new Tally();
    const byName = new Tally();
    const stable = new Tally();
    const unanswered = new Map<string, number>();
    const fullName = (h: LookupHit) => `${h.sido?.name} ${spacedSigunguName(h.sigungu?.name ?? '')} ${h.eupmyeondong?.name}`;
    const fullCodes = new Set<string>();
    for (const p of points) {
      const want = full.get(p.n)!;
      const hit = got.get(p.n);
      const wantCode = want.eupmyeondong!.code;
      fullCodes.add(wantCode);
      const sameCode = hit?.eupmyeondong?.code === wantCode;
      byCode.add(hit, sameCode);
      byName.add(hit, hit !== undefined && fullName(hit) === fullName(want));
      if (builtInCodes.has(wantCode)) stable.add(hit, sameCode);
      if (!hit) bump(unanswered, fullName(want));
    }
    const inBoth = [...fullCodes].filter((c) => builtInCodes.has(c)).length;
    t.diagnostic(byCode.report('kr-hjd@2022-03 vs admdong-2021-04 행정동 by adm_cd2', { drawnInBox: drawn }));
    t.diagnostic(byName.report('kr-hjd@2022-03 vs admdong-2021-04 행정동 by 시도+시군구+동 name'));
    t.diagnostic(
      stable.report('kr-hjd@2022-03 vs admdong-2021-04 행정동 by adm_cd2, points in a 동 whose code exists in both vintages', {
        dongSampled: fullCodes.size,
        dongInBoth: inBoth,
      }),
    );
    t.diagnostic(`kr-hjd: no answer within ${NEAREST_M} m, by 2021 행정동: ${JSON.stringify(top(unanswered, 8))}`);
    t.diagnostic(`kr-hjd lookup of ${points.length} points (exact in memory, misses to PostGIS): ${timings['kr-hjd lookup']} ms`);

    assert.ok(byCode.sameShare >= 0.85, `code agreement ${byCode.sameShare}`);
    assert.ok(byName.sameShare >= 0.85, `name agreement ${byName.sameShare}`);
    assert.ok(stable.sameShare >= 0.93, `agreement in 동 present in both vintages ${stable.sameShare}`);
  });
});
