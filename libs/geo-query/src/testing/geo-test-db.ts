import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { testEnv } from '@geobatch/util-testing';
import { geoDataSourceOptions, runMigrationsExclusive } from '../geo-data-source';

/** A DataSource on the shared test database with the geo migrations applied (other specs use it too). */
export async function openTestDataSource(url = testEnv.TEST_DATABASE_URL): Promise<DataSource> {
  const ds = await new DataSource(geoDataSourceOptions(url)).initialize();
  await runMigrationsExclusive(ds);
  return ds;
}

/** Dataset names unique to one test run, so specs sharing the database never collide. */
export function uniqueName(prefix: string): string {
  return `it-${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A scratch directory outside the repository for generated GeoJSON files. */
export async function scratchDir(): Promise<{ dir: string; write: (name: string, content: unknown) => Promise<string>; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'geobatch-geo-'));
  return {
    dir,
    write: async (name, content) => {
      const path = join(dir, name);
      await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** An axis-aligned square polygon feature. */
export function squareFeature(code: string, name: string, x0: number, y0: number, x1: number, y1: number, props: Record<string, unknown> = {}) {
  return {
    type: 'Feature',
    properties: { code, name, ...props },
    geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] },
  };
}

export function featureCollection(features: unknown[]) {
  return { type: 'FeatureCollection', features };
}
