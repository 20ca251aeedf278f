import { DatasetRepository, openGeoDataSource } from '@geobatch/geo-query';

/**
 * Each run re-imports its dataset, which supersedes the previous generation (kept while jobs pin
 * it). Dropping the unused old generations keeps repeated runs from filling the test database.
 */
export async function dropSupersededGenerations(databaseUrl: string, name: string): Promise<void> {
  const ds = await openGeoDataSource(databaseUrl, 1);
  try {
    await new DatasetRepository(ds).deleteSupersededUnused(new Date(), { name });
  } finally {
    await ds.destroy();
  }
}

/** Deletes every generation of the datasets a run imported under its own names, and the run's API key. */
export async function deleteRunDatasets(databaseUrl: string, names: readonly string[], keyId?: string): Promise<void> {
  const ds = await openGeoDataSource(databaseUrl, 1);
  try {
    const repo = new DatasetRepository(ds);
    const mine = [...(await repo.list()), ...(await repo.listSuperseded())].filter((d) => names.includes(d.name));
    for (const d of mine) await repo.delete(d.id);
    if (keyId) await ds.query('DELETE FROM api_key WHERE id = $1', [keyId]).catch(() => undefined);
  } finally {
    await ds.destroy();
  }
}
