import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeEvent, GEOCODE_TIMEOUT_MS, GeocodeErrorCode, GeocodeReplyV1, MAX_GEOCODE_POINTS, RowStatus, Topics } from '@geobatch/contracts';
import type { Dataset, LookupHit } from '@geobatch/geo-query';
import { ConsumerSkeleton, type DeadLetterPublisher } from '@geobatch/util-kafka';
import type { GeocoderConfig } from '../config/geocoder-config.module';
import { captureLogs, fakeContext } from '../testing/handler-fakes';
import { ChunkGeocoder } from './chunk-geocoder.service';
import type { DatasetEngines } from './engine-registry';
import { GeocodeRequestHandler } from './geocode-request.handler';
import { GeocodeRequestService, rawCoordinate, type DatasetFinder } from './geocode-request.service';

const SEOUL: LookupHit = { sido: { code: '11', name: '서울특별시' }, sigungu: { code: '11010', name: '종로구' } };
const kostat = { id: randomUUID(), name: 'kostat', version: '2018', levels: ['sido', 'sigungu'], isDefault: true } as Dataset;
const kostat21 = { id: randomUUID(), name: 'kostat', version: '2021', levels: ['sido', 'sigungu'], isDefault: false } as Dataset;
const old = { id: randomUUID(), name: 'kostat', version: '2018', levels: ['sido'], isDefault: false } as Dataset; // a superseded generation

function service(options: { noDefault?: boolean } = {}) {
  const all = [kostat, kostat21, old];
  const finder: DatasetFinder = {
    findById: async (id) => all.find((d) => d.id === id) ?? null,
    // Latest current version by name (2021), or that version.
    findByName: async (name, version) =>
      version === undefined ? (name === 'kostat' ? kostat21 : null) : ([kostat, kostat21].find((d) => d.name === name && d.version === version) ?? null),
    findDefault: async () => (options.noDefault ? null : kostat),
    list: async () => [kostat, kostat21],
  };
  const looked: { id: string; points: number; nearestM?: number }[] = [];
  const engines: DatasetEngines = {
    acquire: async (id) => {
      const d = all.find((x) => x.id === id);
      if (!d) return null;
      return {
        dataset: d,
        engine: {
          lookup: async (points, o) => {
            looked.push({ id, points: points.length, nearestM: o?.nearestM });
            return new Map(points.filter((p) => p.lon < 127.5).map((p) => [p.n, SEOUL]));
          },
        },
      };
    },
  };
  return { svc: new GeocodeRequestService(new ChunkGeocoder(engines), finder), looked };
}

describe('GeocodeRequestService', () => {
  it('answers one result per point in request order, numbers and strings alike, from the default dataset', async () => {
    const { svc, looked } = service();
    const reply = await svc.answer({ points: [{ x: 126.978, y: 37.5665 }, { x: ' 128.5 ', y: '36.0' }, { x: 'abc', y: 37 }, {}, { x: 37.5665, y: 126.978 }] });
    assert.equal(reply.error, undefined);
    assert.deepEqual(reply.datasets, [{ id: kostat.id, name: 'kostat', version: '2018', label: 'kostat@2018' }]);
    assert.deepEqual([reply.crs, reply.nearestM], ['EPSG:4326', 200]);
    assert.deepEqual(reply.results.map((r) => r.n), [1, 2, 3, 4, 5]);
    assert.deepEqual(reply.results.map((r) => r.matches[0].status), [RowStatus.Ok, RowStatus.NotFound, RowStatus.Invalid, RowStatus.Invalid, RowStatus.Swapped]);
    assert.deepEqual(reply.results[0].matches[0], { status: RowStatus.Ok, ...SEOUL });
    assert.equal(reply.results[2].matches[0].note, '좌표가 숫자가 아님 (x="abc") / x is not a decimal number');
    assert.equal(reply.results[3].matches[0].note, '좌표 없음 (x, y 비어 있음) / missing x and y');
    assert.deepEqual(looked, [{ id: kostat.id, points: 3, nearestM: 200 }], 'one lookup for all valid points');
    assert.ok(decodeEvent(GeocodeReplyV1, JSON.parse(JSON.stringify(reply))), 'the reply passes its own contract');
  });

  it('resolves names (current latest version), name@version and ids (any generation), in order, with the tolerance asked for', async () => {
    const { svc, looked } = service();
    const reply = await svc.answer({ points: [{ x: '127', y: '37.5' }], datasets: ['kostat', 'kostat@2018', old.id], nearestM: 0 });
    assert.deepEqual(reply.datasets.map((d) => d.label), ['kostat@2021', 'kostat@2018', 'kostat@2018']);
    assert.deepEqual(reply.datasets.map((d) => d.id), [kostat21.id, kostat.id, old.id]);
    assert.equal(reply.results[0].matches.length, 3);
    assert.deepEqual(looked.map((l) => [l.id, l.nearestM]), [[kostat21.id, 0], [kostat.id, 0], [old.id, 0]]);
    assert.equal(reply.nearestM, 0);
  });

  it('refuses an unknown dataset or a missing default with the datasets there are', async () => {
    const { svc, looked } = service();
    const reply = await svc.answer({ points: [{ x: 127, y: 37 }], datasets: ['kostat', 'nope'] });
    assert.equal(reply.error?.code, GeocodeErrorCode.UnknownDataset);
    assert.match(reply.error!.message, /"nope".*unknown dataset \(available: kostat@2018, kostat@2021\)/);
    assert.deepEqual([reply.results, reply.datasets, looked], [[], [], []]);
    const none = await service({ noDefault: true }).svc.answer({ points: [] });
    assert.equal(none.error?.code, GeocodeErrorCode.UnknownDataset);
    assert.match(none.error!.message, /no default dataset/);
    assert.ok(decodeEvent(GeocodeReplyV1, JSON.parse(JSON.stringify(none))));
  });

  it('refuses a request that does not decode, naming the fields', async () => {
    const { svc, looked } = service();
    const cases: [unknown, RegExp][] = [
      [{ points: Array.from({ length: MAX_GEOCODE_POINTS + 1 }, () => ({ x: 127, y: 37 })) }, /points: points must contain no more than 10000 elements/],
      [{ points: [{ x: { lon: 127 }, y: 37 }] }, /points\.0\.x: x must be a number or a string/],
      [{ points: [], crs: '4326' }, /crs must match/],
      [{ points: [], nearestM: 5001 }, /nearestM must not be greater than 5000/],
      [{ points: [], datasets: [] }, /datasets must contain at least 1 elements/],
      [{ points: 'all of them' }, /points/],
      ['not json', /payload is not a JSON object/],
    ];
    for (const [payload, message] of cases) {
      const reply = await svc.answer(payload);
      assert.equal(reply.error?.code, GeocodeErrorCode.InvalidRequest, JSON.stringify(payload).slice(0, 80));
      assert.match([reply.error!.message, ...(reply.error!.problems ?? [])].join('\n'), message);
    }
    assert.equal((await svc.answer({ points: Array.from({ length: MAX_GEOCODE_POINTS }, () => ({ x: 127, y: 37 })) })).results.length, MAX_GEOCODE_POINTS);
    assert.equal(looked.length, 1, 'only the valid request was looked up');
  });

  it('writes numbers as the text a cell would hold', () => {
    assert.equal(rawCoordinate(127), '127');
    assert.equal(rawCoordinate(37.5665), '37.5665');
    assert.equal(rawCoordinate(' 37.5 '), ' 37.5 ');
    assert.equal(rawCoordinate(1e-7), '0.00000010000000000000');
    assert.equal(rawCoordinate(null), null);
    assert.equal(rawCoordinate(undefined), null);
  });
});

describe('GeocodeRequestHandler', () => {
  let logs: ReturnType<typeof captureLogs>;
  before(() => (logs = captureLogs()));
  after(() => logs.restore());
  const config = { GEOCODER_RETRY_ATTEMPTS: 3, GEOCODER_RETRY_BACKOFF_MS: 10, KAFKA_HEARTBEAT_INTERVAL_MS: 10 } as GeocoderConfig;

  function handler(answer: () => Promise<GeocodeReplyV1>) {
    const calls = { count: 0 };
    const consumer = new ConsumerSkeleton({} as DeadLetterPublisher, { attempts: config.GEOCODER_RETRY_ATTEMPTS, backoffMs: config.GEOCODER_RETRY_BACKOFF_MS, heartbeatEveryMs: config.KAFKA_HEARTBEAT_INTERVAL_MS });
    const h = new GeocodeRequestHandler({ answer: async () => (calls.count++, answer()) } as unknown as GeocodeRequestService, consumer);
    return { h, calls };
  }
  const ok: GeocodeReplyV1 = { crs: 'EPSG:4326', nearestM: 200, datasets: [], results: [] };

  it('retries a failing lookup, then answers', async () => {
    let n = 0;
    const { h, calls } = handler(async () => {
      if (++n < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return ok;
    });
    assert.deepEqual(await h.onGeocode({ points: [] }, fakeContext({ topic: Topics.geocode.name }).ctx), ok);
    assert.equal(calls.count, 3);
    assert.equal(logs.lines.filter((l) => l.msg === 'geocode request failed; retrying').length, 2);
  });

  it('answers `unavailable` (never leaves the requester waiting) when every attempt fails', async () => {
    const { h, calls } = handler(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    const reply = await h.onGeocode({ points: [] }, fakeContext({ topic: Topics.geocode.name }).ctx);
    assert.equal(reply.error?.code, GeocodeErrorCode.Unavailable);
    assert.match(reply.error!.message, /ECONNREFUSED/);
    assert.equal(calls.count, 3);
    assert.ok(decodeEvent(GeocodeReplyV1, JSON.parse(JSON.stringify(reply))));
  });

  it('does not look up a request older than the requester\'s timeout', async () => {
    const { h, calls } = handler(async () => ok);
    const reply = await h.onGeocode({ points: [{}] }, fakeContext({ topic: Topics.geocode.name, timestamp: Date.now() - GEOCODE_TIMEOUT_MS - 1 }).ctx);
    assert.equal(reply.error?.code, GeocodeErrorCode.Expired);
    assert.equal(calls.count, 0);
  });
});
