import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, GatewayTimeoutException, ServiceUnavailableException } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { NEVER, of, throwError } from 'rxjs';
import { GeocodeErrorCode, GeocodeRequestDto, RowStatus, Topics, type GeocodeReplyV1 } from '@geobatch/contracts';
import { loadConfig } from '@geobatch/util-config';
import { GatewayEnvSchema } from '../config/gateway-env.schema';
import { geocodeClientOptions, replyTopicOf } from './geocode-client.provider';
import { DatasetResolverService, type DatasetLookup, type DatasetScope } from '../datasets/dataset-resolver.service';
import { createValidationPipe } from '../http/validation-pipe';
import { GeocodeService } from './geocode.service';

const CONFIG = loadConfig(GatewayEnvSchema, { GEOCODE_TIMEOUT_MS: '100' });

function service(answer: (pattern: string, data: any) => ReturnType<ClientKafka['send']>, sent: unknown[] = []) {
  const client = {
    send: (pattern: string, data: unknown) => {
      sent.push({ pattern, data });
      return answer(pattern, data);
    },
  } as unknown as ClientKafka;
  return new GeocodeService(client, CONFIG, new DatasetResolverService(DATASETS));
}

const K_ID = '0b6f3c1e-7d0a-4c55-9a59-3f3d8f3f2a10';
const THEIRS_ID = '5d1f0b3a-1111-4c55-9a59-3f3d8f3f2a10';
/** `k` is shared and the default; `theirs` belongs to the key `other`. */
const DATASETS: DatasetLookup = {
  list: async (scope?: DatasetScope) => [
    { id: K_ID, name: 'k', version: '1', isDefault: true },
    ...(scope?.visibleTo === 'other' ? [{ id: THEIRS_ID, name: 'theirs', version: '1', isDefault: false }] : []),
  ],
  findByName: async (name: string, _version?: string, scope?: DatasetScope) =>
    name === 'k' ? { id: K_ID, name: 'k', version: '1', isDefault: true } : name === 'theirs' && scope?.visibleTo === 'other' ? { id: THEIRS_ID, name: 'theirs', version: '1', isDefault: false } : null,
  findDefault: async () => ({ id: K_ID, name: 'k', version: '1', isDefault: true }),
  findById: async (id: string, scope?: DatasetScope) => (await DATASETS.list(scope)).find((d) => d.id === id) ?? null,
};

const OK_REPLY = (n: number): GeocodeReplyV1 => ({
  crs: 'EPSG:4326',
  nearestM: 200,
  datasets: [{ id: '0b6f3c1e-7d0a-4c55-9a59-3f3d8f3f2a10', name: 'k', version: '1', label: 'k@1' }],
  results: Array.from({ length: n }, (_, i) => ({ n: i + 1, matches: [{ status: RowStatus.Ok, sido: { code: '11', name: '서울특별시' } }] })),
});

describe('GeocodeService', () => {
  it('looks up only datasets the caller may see: another key\'s dataset is unknown, the default is pinned by id', async () => {
    const sent: any[] = [];
    const s = service((_p, data) => of(OK_REPLY(data.points.length)), sent);
    await assert.rejects(s.geocode({ points: [{ x: 127, y: 37.5 }], datasets: ['theirs'] }, undefined, 'me'), (e: unknown) => e instanceof BadRequestException && /unknown dataset/.test(e.message));
    assert.equal(sent.length, 0, 'nothing is sent for a dataset the caller cannot see');
    await s.geocode({ points: [{ x: 127, y: 37.5 }], datasets: ['theirs'] }, undefined, 'other');
    await s.geocode({ points: [{ x: 127, y: 37.5 }] }, undefined, 'me');
    await assert.rejects(s.geocode({ points: [{ x: 127, y: 37.5 }], datasets: [THEIRS_ID] }, undefined, 'me'), BadRequestException);
    await s.geocode({ points: [{ x: 127, y: 37.5 }], datasets: [THEIRS_ID] }, undefined, 'other');
    assert.deepEqual(sent.map((m) => m.data.datasets), [[THEIRS_ID], [K_ID], [THEIRS_ID]]);
  });

  it('sends the points without their ids on the geocode topic and echoes each id beside its result', async () => {
    const sent: any[] = [];
    const s = service((_p, data) => of(OK_REPLY(data.points.length)), sent);
    const res = await s.geocode({ points: [{ x: 127, y: 37.5, id: 'a' }, { x: '127', y: '37.5' }, { x: 1, y: 2, id: 7 }], datasets: ['k'], nearestM: 0 });
    assert.equal(sent[0].pattern, Topics.geocode.name);
    // The names are resolved for the caller first: the geocoder gets ids.
    assert.deepEqual(sent[0].data, { points: [{ x: 127, y: 37.5 }, { x: '127', y: '37.5' }, { x: 1, y: 2 }], datasets: [K_ID], nearestM: 0 });
    assert.deepEqual(res.results.map((r) => r.id), ['a', undefined, 7]);
    assert.ok(!('id' in res.results[1]));
    assert.equal(res.datasets[0].label, 'k@1');
  });

  it('refuses with 400 before sending: no points, more than 10,000, a bad point, an unknown field, a bad crs', async () => {
    const sent: unknown[] = [];
    const s = service(() => of(OK_REPLY(1)), sent);
    // The body goes through the gateway's ValidationPipe first, as `@Body()` does.
    const pipe = createValidationPipe();
    const checked = async (body: unknown) => s.geocode((await pipe.transform(body, { type: 'body', metatype: GeocodeRequestDto })) as GeocodeRequestDto);
    const refused = async (body: unknown, pattern: RegExp) =>
      assert.rejects(checked(body), (e: unknown) => e instanceof BadRequestException && pattern.test(e.message));
    await refused([], /JSON object/);
    await refused({}, /points must be an array/);
    await refused({ points: [] }, /at least 1/);
    await refused({ points: Array.from({ length: 10_001 }, () => ({ x: 127, y: 37 })) }, /at most 10000 points.*got 10001/);
    await refused({ points: [{ x: { a: 1 }, y: 37, id: 'x'.repeat(201) }] }, /points\.0\.x: .*points\.0\.id: /);
    await refused({ points: [{ x: 127, y: 37 }], dataset: 'k' }, /dataset: .*unknown|property dataset should not exist/);
    await refused({ points: [{ x: 127, y: 37 }], crs: '4326' }, /crs: /);
    await refused({ points: [{ x: 127, y: 37 }], nearestM: 5001 }, /nearestM: /);
    assert.equal(sent.length, 0);
  });

  it('answers 504 with a clear message when no geocoder replies in time', async () => {
    const s = service(() => NEVER);
    await assert.rejects(
      s.geocode({ points: [{ x: 127, y: 37 }] }),
      (e: unknown) => e instanceof GatewayTimeoutException && /no geocoder answered within 100 ms/.test(e.message),
    );
  });

  it("maps the geocoder's error replies: invalid request and unknown dataset → 400, expired → 504, unavailable → 503; a broker failure → 503", async () => {
    const reply = (code: GeocodeErrorCode) => service(() => of({ ...OK_REPLY(0), error: { code, message: `m-${code}` } }));
    await assert.rejects(reply(GeocodeErrorCode.UnknownDataset).geocode({ points: [{}] }), (e: unknown) => e instanceof BadRequestException && e.message === 'm-unknown_dataset');
    await assert.rejects(reply(GeocodeErrorCode.InvalidRequest).geocode({ points: [{}] }), BadRequestException);
    await assert.rejects(reply(GeocodeErrorCode.Expired).geocode({ points: [{}] }), GatewayTimeoutException);
    await assert.rejects(reply(GeocodeErrorCode.Unavailable).geocode({ points: [{}] }), ServiceUnavailableException);
    await assert.rejects(service(() => throwError(() => new Error('broker down'))).geocode({ points: [{}] }), ServiceUnavailableException);
  });

  it('reads the replies on the topic the registry names: ClientKafka uses `<request topic>.reply`', () => {
    const client = new ClientKafka(geocodeClientOptions(CONFIG));
    assert.equal(replyTopicOf(client, Topics.geocode.name), Topics.geocodeReply.name);
  });
});
