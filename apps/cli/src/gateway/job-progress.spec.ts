import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jobView } from '../testing/fake-gateway';
import { PlainProgress, RateMeter, etaSeconds, formatDuration, plainLine } from './job-progress';

describe('RateMeter', () => {
  it('is null until two observations, then rows per second over the window', () => {
    const m = new RateMeter(10_000);
    assert.equal(m.rate(), null);
    m.add(0, 0);
    assert.equal(m.rate(), null);
    m.add(2_000, 500);
    assert.equal(m.rate(), 250);
    m.add(4_000, 1_500);
    assert.equal(m.rate(), 375);
  });

  it('forgets observations older than the window, so the rate follows a change of pace', () => {
    const m = new RateMeter(10_000);
    m.add(0, 0);
    m.add(10_000, 10_000); // 1000 rows/s
    m.add(20_000, 11_000); // then 100 rows/s
    m.add(21_000, 11_100);
    assert.equal(m.rate(), 100);
  });

  it('starts over when the count goes down', () => {
    const m = new RateMeter();
    m.add(0, 100);
    m.add(1_000, 200);
    m.add(2_000, 0);
    assert.equal(m.rate(), null);
  });
});

describe('plain progress lines', () => {
  it('says the status, rows and rate as `job <id> running 1200/5000 rows (240 rows/s)`', () => {
    assert.equal(plainLine(jobView('j1', 'running', 1200, 5000), 240), 'job j1 running 1200/5000 rows (240 rows/s)');
    assert.equal(plainLine(jobView('j1', 'running', 7, null), 2.5), 'job j1 running 7/? rows (2.5 rows/s)');
    assert.equal(plainLine(jobView('j1', 'queued', 0, null), null), 'job j1 queued');
  });

  it('prints one line per change, not per poll, with a rate once there are two observations', () => {
    const lines: string[] = [];
    let now = 0;
    const p = new PlainProgress((t) => lines.push(t), () => now);
    for (const [t, view] of [
      [0, jobView('j1', 'queued', 0, null)],
      [1_000, jobView('j1', 'queued', 0, null)],
      [2_000, jobView('j1', 'running', 0, 5000)],
      [3_000, jobView('j1', 'running', 0, 5000)],
      [7_000, jobView('j1', 'running', 1200, 5000)],
    ] as const) {
      now = t;
      p.update(view);
    }
    assert.deepEqual(lines, ['job j1 queued', 'job j1 running 0/5000 rows (0 rows/s)', 'job j1 running 1200/5000 rows (171 rows/s)']);
  });
});

describe('ETA', () => {
  it('is the rows left at the current rate, unknown without a total or a rate', () => {
    assert.equal(etaSeconds(5000, 1000, 200), 20);
    assert.equal(etaSeconds(null, 1000, 200), null);
    assert.equal(etaSeconds(5000, 1000, null), null);
    assert.equal(etaSeconds(5000, 1000, 0), null);
    assert.deepEqual([42, 185, 3720].map(formatDuration), ['42s', '3m05s', '1h02m']);
  });
});
