import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { feature } from 'topojson-client';
import type { GeometryObject, Topology } from 'topojson-specification';

const gunzipAsync = promisify(gunzip);

/** Folder of the vendored boundary layers, relative to the repository (or image) root. */
export const BUILT_IN_DATA_FOLDER = join('data', 'boundaries');

/**
 * The vendored data folder, found upwards from this file: the same code runs from `libs/…` (sources),
 * `dist/libs/…` (the build) and `/app/dist/libs/…` (an image, with the folder copied to `/app/data`).
 */
export function builtInDataDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, BUILT_IN_DATA_FOLDER);
    if (existsSync(join(candidate, 'NOTICE.md'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`built-in boundary data not found: no ${BUILT_IN_DATA_FOLDER}/NOTICE.md above ${from}`);
  }
}

/** A gzip-compressed file of the data folder, as text. */
export async function readGzipText(path: string): Promise<string> {
  return (await gunzipAsync(await readFile(path))).toString('utf8');
}

export type TopoProperties = Record<string, string | number | null>;
type TopoGeometry = GeometryObject<TopoProperties>;

/** A quantized TopoJSON file and one of its named objects (a GeometryCollection). */
export class TopoLayer {
  private constructor(
    private readonly topology: Topology,
    readonly geometries: readonly TopoGeometry[],
  ) {}

  static async read(path: string, object: string): Promise<TopoLayer> {
    const topology = JSON.parse(await readGzipText(path)) as Topology;
    const collection = topology.objects[object];
    if (!collection || collection.type !== 'GeometryCollection') throw new Error(`${path}: no GeometryCollection "${object}"`);
    return new TopoLayer(topology, collection.geometries as TopoGeometry[]);
  }

  /** Geometries that have a shape (the layers list a few areas with a null geometry). */
  get shaped(): TopoGeometry[] {
    return this.geometries.filter((g) => g.type === 'Polygon' || g.type === 'MultiPolygon');
  }

  /** One geometry as a GeoJSON Feature with its properties. */
  toFeature(g: TopoGeometry): GeoJSON.Feature {
    return feature(this.topology, g) as GeoJSON.Feature;
  }
}
