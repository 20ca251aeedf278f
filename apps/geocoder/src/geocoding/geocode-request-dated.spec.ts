import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeEvent, GeocodeErrorCode, GeocodeReplyV1, RowStatus } from '@geobatch/contracts';
import type { Dataset, LookupHit } from '@geobatch/geo-query';
import { ChunkGeocoder } from './chunk-geocoder.service';
import type { DatasetEngines } from './engine-registry';
import { GeocodeRequestService, type DatasetFinder } from './geocode-request.service';

const v2020 = { id: randomUUID(), name: 'split-test', version: '2020', effectiveDate: '2020-01-01', ownerKeyId: null, levels: ['eupmyeondong'] } as unknown as Dataset;
const v2023 = { id: randomUUID(), name: 'split-test', version: '2023', effectiveDate: '2023-01-01', ownerKeyId: null, levels: ['eupmyeondong'] } as unknown as Dataset;
const draft = { id: randomUUID(), name: 'drafts', version: 'x', effectiveDate: null, ownerKeyId: null, levels: ['eupmyeondong'] } as unknown as Dataset;
const drafts2 = { id: randomUUID(), name: 'drafts', version: 'y', effectiveDate: '2023-01-01', ownerKeyId: null, levels: ['eupmyeondong'] } as unknown as Dataset;
const all = [v2020, v2023, draft, drafts2];

function service() {
  const finder: DatasetFinder = {
    findById: async (id) => all.find((d) => d.id === id) ?? null,
    findByName: async (name, version) =>
      all.filter((d) => d.name === name && (version === undefined || d.version === version)).sort((a, b) => String(b.effectiveDate).localeCompare(String(a.effectiveDate)))[0] ?? null,
    findDefault: async () => v2023,
    list: async () => all,
  };
  const engines: DatasetEngines = {
    acquire: async (id) => {
      const d = all.find((x) => x.id === id)!;
      const hit: LookupHit = { eupmyeondong: { code: d === v2020 ? '11110510' : '11110511', name: d === v2020 ? 'A동' : 'A1동' } };
      return { dataset: d, engine: { lookup: async (points) => new Map(points.map((p) => [p.n, hit])) } };
    },
  };
  return new GeocodeRequestService(new ChunkGeocoder(engines), finder);
}

describe('GeocodeRequestService with dated points', () => {
  it('answers each point from the version of the series in force on its date, and says which', async () => {
    const reply = await service().answer({
      datasets: ['split-test@2020'],
      points: [
        { x: 127.05, y: 37.1, date: '2021-06-01' },
        { x: 127.05, y: 37.1, date: '22-APR-24 10:43:00' },
        { x: 127.05, y: 37.1 },
        { x: 127.05, y: 37.1, date: '2019-01-01' },
      ],
    });
    assert.equal(reply.error, undefined);
    assert.deepEqual(reply.datasets.map((d) => d.label), ['split-test@2023'], 'the group is the newest version of the series');
    const m = reply.results.map((r) => r.matches[0]);
    assert.deepEqual(m.map((x) => x.version), ['2020', '2023', '2023', '2020']);
    assert.deepEqual(m.map((x) => x.eupmyeondong?.name), ['A동', 'A1동', 'A1동', 'A동']);
    assert.ok(m.every((x) => x.status === RowStatus.Ok));
    assert.equal(m[0].note, undefined);
    assert.match(m[2].note!, /no date: newest boundaries \(2023\) used/);
    assert.match(m[3].note!, /before the earliest boundaries \(2020/);
    assert.ok(decodeEvent(GeocodeReplyV1, JSON.parse(JSON.stringify(reply))), 'the reply passes its own contract');
  });

  it('answers points without dates as before: the dataset named, no version', async () => {
    const reply = await service().answer({ datasets: ['split-test@2020'], points: [{ x: 127.05, y: 37.1 }] });
    assert.deepEqual(reply.datasets.map((d) => d.label), ['split-test@2020']);
    assert.equal(reply.results[0].matches[0].version, undefined);
    assert.equal(reply.results[0].matches[0].eupmyeondong?.name, 'A동');
  });

  it('refuses dated points for a series with a version without an effective date', async () => {
    const reply = await service().answer({ datasets: ['drafts'], points: [{ x: 127.05, y: 37.1, date: '2024-01-01' }] });
    assert.equal(reply.error?.code, GeocodeErrorCode.InvalidRequest);
    assert.match(reply.error!.message, /"drafts" has versions without an effective date \(x\)/);
  });

  it('refuses a date that is not a string of at most 40 characters', async () => {
    const reply = await service().answer({ points: [{ x: 127.05, y: 37.1, date: 20240101 }] });
    assert.equal(reply.error?.code, GeocodeErrorCode.InvalidRequest);
    assert.match(reply.error!.message, /points\.0\.date/);
  });
});
