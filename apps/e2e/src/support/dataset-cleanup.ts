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
