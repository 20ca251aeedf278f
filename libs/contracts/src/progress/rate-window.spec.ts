import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { etaSeconds, RateWindow, rowsPercent } from './index';

describe('RateWindow', () => {
  it('is null until two observations, then per second over the window', () => {
    const w = new RateWindow(10_000);
    assert.equal(w.rate(), null);
    w.add(0, 0);
    assert.equal(w.rate(), null);
    w.add(2_000, 500);
    assert.equal(w.rate(), 250);
    w.add(4_000, 1_500);
    assert.equal(w.rate(), 375);
  });

  it('forgets observations older than the window and starts over on a lower count', () => {
    const w = new RateWindow({ windowMs: 10_000 });
    w.add(0, 0);
    w.add(10_000, 10_000);
    w.add(20_000, 11_000);
    w.add(21_000, 11_100);
    assert.equal(w.rate(), 100);
    w.add(22_000, 5);
    assert.equal(w.rate(), null);
  });

  it('by default reports 0 for a window without progress', () => {
    const w = new RateWindow();
    w.add(0, 0);
    w.add(1_000, 0);
    assert.equal(w.rate(), 0);
  });

  it('with fromFirstProgress measures from the last moment at 0, and has no rate while nothing moves', () => {
    const w = new RateWindow({ windowMs: 10_000, fromFirstProgress: true });
    w.add(0, 0);
    w.add(5_000, 0);
    assert.equal(w.rate(), null);
    w.add(6_000, 100);
    assert.equal(w.rate(), 100);
    w.add(7_000, 100);
    w.add(8_000, 300);
    assert.equal(w.rate(), 100);
    const stalled = new RateWindow({ fromFirstProgress: true });
    stalled.add(0, 50);
    stalled.add(1_000, 50);
    assert.equal(stalled.rate(), null);
  });
});

describe('etaSeconds', () => {
  it('is what is left at the rate, never negative; unknown without a total or a positive rate', () => {
    assert.equal(etaSeconds(1_000, 400, 100), 6);
    assert.equal(etaSeconds(1_000, 1_200, 10), 0);
    assert.equal(etaSeconds(null, 400, 100), null);
    assert.equal(etaSeconds(1_000, 400, null), null);
    assert.equal(etaSeconds(1_000, 400, 0), null);
  });
});

describe('rowsPercent (the bar of the page and the CLI)', () => {
  it('is 100 for a completed job, even with a blank row or an estimate that overshot', () => {
    assert.equal(rowsPercent({ total: 9, processed: 9 }, true), 100);
    assert.equal(rowsPercent({ total: 9, processed: 8 }, true), 100);
    assert.equal(rowsPercent({ total: 100_001, processed: 100_000 }, true), 100);
    assert.equal(rowsPercent({ total: null, processed: 0 }, true), 100);
  });

  it('is the floor of done over total before, at most 99, null without a total', () => {
    assert.equal(rowsPercent({ total: 9, processed: 8 }, false), 88);
    assert.equal(rowsPercent({ total: 100, processed: 140 }, false), 99);
    assert.equal(rowsPercent({ total: null, processed: 10 }, false), null);
    assert.equal(rowsPercent({ total: 0, processed: 0 }, false), 100);
  });
});
