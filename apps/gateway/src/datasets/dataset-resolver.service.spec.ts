import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetResolverService, UnknownDatasetError, type DatasetRecord } from './dataset-resolver.service';

const A1: DatasetRecord = { id: 'a1', name: 'alpha', version: '1', isDefault: false };
const A2: DatasetRecord = { id: 'a2', name: 'alpha', version: '2', isDefault: true };
const B: DatasetRecord = { id: 'b', name: 'beta', version: '2024', isDefault: false };

function resolver(all: DatasetRecord[]) {
  const latest = (name: string) => all.filter((d) => d.name === name).at(-1) ?? null;
  return new DatasetResolverService({
    list: async () => all,
    findByName: async (name) => latest(name),
    findDefault: async () => all.find((d) => d.isDefault) ?? null,
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

  it('refuses when there is no default and nothing is named', async () => {
    await assert.rejects(resolver([]).resolve(undefined), (e: unknown) => e instanceof UnknownDatasetError && /none loaded/.test(e.message));
  });
});
