import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseVersion, chooseVersions, versionInForce } from './series-version';

const SERIES = { versions: ['2020', '2023', '2024-07'], effectiveDates: ['2020-01-01', '2023-01-01', '2024-07-01'] };

describe('versionInForce', () => {
  it('is the version with the latest effective date on or before the day', () => {
    const dates = SERIES.effectiveDates;
    const cases: [string, number][] = [
      ['2019-12-31', -1],
      ['2020-01-01', 0],
      ['2022-12-31', 0],
      ['2023-01-01', 1],
      ['2024-06-30', 1],
      ['2024-07-01', 2],
      ['2099-01-01', 2],
    ];
    for (const [day, want] of cases) assert.equal(versionInForce(dates, day), want, day);
    assert.equal(versionInForce(['2020-01-01'], '2020-01-01'), 0);
    assert.equal(versionInForce(['2020-01-01'], '1999-01-01'), -1);
  });

  it('agrees with a linear scan on many series and days', () => {
    for (let size = 1; size <= 9; size++) {
      const dates = Array.from({ length: size }, (_, k) => `${2000 + 2 * k}-06-15`);
      for (let y = 1998; y <= 2020; y++) {
        for (const md of ['01-01', '06-14', '06-15', '12-31']) {
          const day = `${y}-${md}`;
          let want = -1;
          dates.forEach((d, k) => (d <= day ? (want = k) : undefined));
          assert.equal(versionInForce(dates, day), want, `${size} versions, ${day}`);
        }
      }
    }
  });
});

describe('chooseVersion', () => {
  it('answers a dated row from the version in force, with nothing to note', () => {
    assert.deepEqual(chooseVersion(SERIES, '2023-05-01'), { index: 1, note: null });
    assert.deepEqual(chooseVersion(SERIES, '22-APR-24 10:43:00'), { index: 1, note: null });
    assert.deepEqual(chooseVersion(SERIES, '20240701'), { index: 2, note: null });
  });

  it('answers an undated or unreadable row from the newest version and says so', () => {
    for (const raw of [null, undefined, '', '  ']) {
      const c = chooseVersion(SERIES, raw);
      assert.equal(c.index, 2);
      assert.match(c.note!, /날짜 없음.*2024-07.*no date: newest boundaries \(2024-07\) used/);
    }
    const c = chooseVersion(SERIES, '2024-02-30');
    assert.equal(c.index, 2);
    assert.match(c.note!, /날짜를 읽을 수 없음 "2024-02-30".*unreadable date "2024-02-30": newest boundaries \(2024-07\) used/);
  });

  it('answers a row dated before the earliest version from the earliest and says so', () => {
    const c = chooseVersion(SERIES, '2019-05-01');
    assert.equal(c.index, 0);
    assert.match(c.note!, /2019-05-01.*before the earliest boundaries \(2020, in force from 2020-01-01\): earliest used/);
  });

  it('chooses per row, once per distinct date', () => {
    const got = chooseVersions(SERIES, ['2021-01-01', null, '2021-01-01', '2030-01-01'], 5);
    assert.deepEqual(got.map((c) => c.index), [0, 2, 0, 2, 2]);
    assert.equal(got[0], got[2], 'the same date text is parsed once');
    assert.equal(got[3].note, null);
    assert.notEqual(got[4].note, null, 'a row past the end of the dates column is undated');
  });
});
