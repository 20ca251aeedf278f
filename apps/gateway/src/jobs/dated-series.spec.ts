import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DatedSeriesError, resolveDatedSeries, seriesTimeline, type SeriesDataset } from './dated-series';

const ds = (name: string, version: string, effectiveDate: string | null): SeriesDataset => ({ id: randomUUID(), name, version, effectiveDate });

describe('seriesTimeline', () => {
  const v2020 = ds('split-test', '2020', '2020-01-01');
  const v2023 = ds('split-test', '2023', '2023-01-01');
  const v2021 = ds('split-test', '2021', '2021-07-01');
  const other = ds('admdong', '2021-04', '2021-04-01');

  it('orders every current version of the named series by effective date; the group is the newest', () => {
    const got = seriesTimeline([v2023], [v2023, other, v2020, v2021]);
    assert.deepEqual(got.ids, [v2023.id]);
    assert.deepEqual(got.labels, ['split-test@2023']);
    assert.deepEqual(got.versions, [[v2020, v2021, v2023].map((d) => ({ id: d.id, version: d.version, effectiveDate: d.effectiveDate }))]);
  });

  it('makes the newest version the group even when an older one was named (by id)', () => {
    const got = seriesTimeline([v2020, other], [v2020, v2023, other]);
    assert.deepEqual(got.ids, [v2023.id, other.id]);
    assert.deepEqual(got.versions.map((vs) => vs.map((v) => v.version)), [['2020', '2023'], ['2021-04']]);
  });

  it('refuses a series with a version without an effective date, naming it', () => {
    const undated = ds('split-test', 'draft', null);
    assert.throws(() => seriesTimeline([v2023], [v2020, v2023, undated]), (e: unknown) => e instanceof DatedSeriesError && /without an effective date: draft/.test(e.message));
  });

  it('refuses two versions taking effect on the same day, and a series named twice', () => {
    const twin = ds('split-test', '2023b', '2023-01-01');
    assert.throws(() => seriesTimeline([v2023], [v2020, v2023, twin]), (e: unknown) => e instanceof DatedSeriesError && /same day/.test(e.message));
    assert.throws(() => seriesTimeline([v2020, v2023], [v2020, v2023]), (e: unknown) => e instanceof DatedSeriesError && /named twice/.test(e.message));
  });

  it('reads through the caller scope and normalises Date effective dates', async () => {
    const asDate = { ...v2020, effectiveDate: new Date('2020-01-01T00:00:00Z') as unknown as string };
    const scopes: unknown[] = [];
    const lookup = {
      list: async (scope?: unknown) => (scopes.push(scope), [asDate, v2023]),
      findById: async (id: string, scope?: unknown) => (scopes.push(scope), [asDate, v2023].find((d) => d.id === id) ?? null),
    };
    const got = await resolveDatedSeries(lookup, [v2023.id], 'key-1');
    assert.deepEqual(got.versions[0].map((v) => v.effectiveDate), ['2020-01-01', '2023-01-01']);
    assert.deepEqual(scopes, [{ visibleTo: 'key-1' }, { visibleTo: 'key-1' }]);
  });
});
