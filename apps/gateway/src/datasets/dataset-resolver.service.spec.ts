import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetResolverService, UnknownDatasetError, type DatasetRecord, type DatasetScope } from './dataset-resolver.service';

const A1: DatasetRecord = { id: 'a1', name: 'alpha', version: '1', isDefault: false };
const A2: DatasetRecord = { id: 'a2', name: 'alpha', version: '2', isDefault: true };
const B: DatasetRecord = { id: 'b', name: 'beta', version: '2024', isDefault: false };
const KEY = '6f1c2a9e-3b7d-4c1e-9a2b-000000000001';
const OTHER_KEY = '6f1c2a9e-3b7d-4c1e-9a2b-000000000002';
const MINE: DatasetRecord & { ownerKeyId: string } = { id: 'm', name: 'mine', version: '1', isDefault: false, ownerKeyId: KEY };
const THEIRS: DatasetRecord & { ownerKeyId: string } = { id: 't', name: 'theirs', version: '1', isDefault: false, ownerKeyId: OTHER_KEY };

/** A lookup that applies the scope as DatasetRepository does: shared (no owner) or the key's own. */
function resolver(all: (DatasetRecord & { ownerKeyId?: string })[]) {
  const visible = (scope?: DatasetScope) => all.filter((d) => scope?.visibleTo === undefined || !d.ownerKeyId || d.ownerKeyId === scope.visibleTo);
  return new DatasetResolverService({
    list: async (scope) => visible(scope),
    findByName: async (name, _version, scope) => visible(scope).filter((d) => d.name === name).at(-1) ?? null,
    findDefault: async (scope) => visible(scope).find((d) => d.isDefault) ?? null,
    findById: async (id, scope) => visible(scope).find((d) => d.id === id) ?? null,
  });
}

describe('DatasetResolverService', () => {
  it('pins the default dataset when none is named', async () => {
    assert.deepEqual(await resolver([A1, A2, B]).resolve(undefined), { ids: ['a2'], labels: ['alpha@2'] });
  });

  it('pins the latest version of a named dataset (name trimmed)', async () => {
    assert.deepEqual(await resolver([A1, A2, B]).resolve(' beta '), { ids: ['b'], labels: ['beta@2024'] });
  });

  it('treats an empty name as none', async () => {
    assert.deepEqual(await resolver([A2]).resolve(''), { ids: ['a2'], labels: ['alpha@2'] });
  });

  it('refuses an unknown name, listing the known names once each', async () => {
    await assert.rejects(
      resolver([A1, A2, B]).resolve('gamma'),
      (e: unknown) => e instanceof UnknownDatasetError && /"gamma".*available: alpha, beta\)/.test(e.message),
    );
  });

  it("takes a shared dataset or the caller's own, and treats another key's dataset as unknown (not even listed)", async () => {
    const r = resolver([A2, MINE, THEIRS]);
    assert.deepEqual(await r.resolve('mine', KEY), { ids: ['m'], labels: ['mine@1'] });
    assert.deepEqual(await r.resolve('alpha', KEY), { ids: ['a2'], labels: ['alpha@2'] });
    await assert.rejects(
      r.resolve('theirs', KEY),
      (e: unknown) => e instanceof UnknownDatasetError && /"theirs".*available: alpha, mine\)/.test(e.message),
    );
    await assert.rejects(r.resolve('mine', OTHER_KEY), UnknownDatasetError);
  });

  it('refuses when there is no default and nothing is named', async () => {
    await assert.rejects(resolver([]).resolve(undefined), (e: unknown) => e instanceof UnknownDatasetError && /none loaded/.test(e.message));
  });
  it('pins several comma-separated datasets in the order given, refusing one named twice, an unknown one or more than 5', async () => {
    const r = resolver([A1, A2, B]);
    assert.deepEqual(await r.resolve(' beta , alpha'), { ids: ['b', 'a2'], labels: ['beta@2024', 'alpha@2'] });
    assert.deepEqual(await r.resolve(','), { ids: ['a2'], labels: ['alpha@2'] });
    await assert.rejects(r.resolve('alpha,alpha'), (e: unknown) => e instanceof UnknownDatasetError && /named twice/.test(e.message));
    await assert.rejects(r.resolve('alpha,gamma'), (e: unknown) => e instanceof UnknownDatasetError && /"gamma"/.test(e.message));
    await assert.rejects(r.resolve('a,b,c,d,e,f'), (e: unknown) => e instanceof UnknownDatasetError && /at most 5/.test(e.message));
  });
});
