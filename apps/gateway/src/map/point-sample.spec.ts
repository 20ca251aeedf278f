import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EvenPicker, planSample } from './point-sample';

/** The 0-based positions a picker takes out of `total` items. */
function taken(total: number, slots: number): number[] {
  const picker = new EvenPicker(total, slots);
  const out: number[] = [];
  for (let i = 0; i < total + 5; i++) if (picker.next()) out.push(i);
  return out;
}

describe('EvenPicker', () => {
  it('takes exactly `slots` items, the first among them, evenly spaced (gaps differ by at most one)', () => {
    for (const [total, slots] of [[10, 3], [1_000_000, 20_000], [20_001, 20_000], [7, 1], [199, 198], [12_345, 678]]) {
      const got = taken(total, slots);
      assert.equal(got.length, slots, `${slots} of ${total}`);
      assert.equal(got[0], 0);
      const gaps = got.slice(1).map((v, i) => v - got[i]);
      assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, `${slots} of ${total}: gaps ${Math.min(...gaps)}–${Math.max(...gaps)}`);
      // Spread over the whole run, not bunched at its start.
      assert.ok(got[got.length - 1] >= total - Math.ceil(total / slots), `${slots} of ${total}: last ${got[got.length - 1]}`);
    }
    assert.deepEqual(taken(10, 3), [0, 3, 6]);
  });

  it('takes everything when there is room, nothing with no room, and nothing past the total', () => {
    assert.deepEqual(taken(5, 5), [0, 1, 2, 3, 4]);
    assert.deepEqual(taken(5, 50), [0, 1, 2, 3, 4]);
    assert.deepEqual(taken(5, 0), []);
    assert.deepEqual(taken(0, 3), []);
  });
});

describe('planSample', () => {
  it('keeps every problem row and fills the rest of the limit with OK rows', () => {
    const plan = planSample({ ok: 1_000_000, problems: 300 }, 20_000);
    assert.equal(plan.sampled, true);
    let problems = 0;
    let ok = 0;
    for (let i = 0; i < 300; i++) if (plan.problems.next()) problems++;
    for (let i = 0; i < 1_000_000; i++) if (plan.ok.next()) ok++;
    assert.deepEqual([problems, ok], [300, 19_700]);
  });

  it('spreads the problem rows evenly too when they alone pass the limit; takes all rows of a small job', () => {
    const crowded = planSample({ ok: 50, problems: 100 }, 10);
    assert.equal(crowded.sampled, true);
    assert.equal(Array.from({ length: 50 }, () => crowded.ok.next()).filter(Boolean).length, 0);
    assert.equal(Array.from({ length: 100 }, () => crowded.problems.next()).filter(Boolean).length, 10);
    const small = planSample({ ok: 198, problems: 2 }, 20_000);
    assert.equal(small.sampled, false);
    assert.equal(Array.from({ length: 198 }, () => small.ok.next()).filter(Boolean).length, 198);
  });
});
