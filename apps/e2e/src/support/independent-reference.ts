import { readFileSync } from 'node:fs';
import { Client } from 'pg';

export interface ReferenceFeature {
  properties: Record<string, unknown>;
  geometry: unknown;
}

/**
 * Answers "which 읍면동 covers this point" straight from the fixture GeoJSON with PostGIS
 * `ST_Covers`, through a temporary table of its own: nothing of the product's importer,
 * tables or lookup code is involved, so it can judge them.
 */
export class IndependentCoversReference {
  private constructor(private readonly client: Client) {}

  /** `codeProperty`: the feature property holding the code (`adm_cd` in the 2021 행정동 file). */
  static async load(databaseUrl: string, geojsonPath: string, codeProperty = 'code'): Promise<IndependentCoversReference> {
    const fc = JSON.parse(readFileSync(geojsonPath, 'utf8')) as { features: ReferenceFeature[] };
    return IndependentCoversReference.fromFeatures(databaseUrl, fc.features, codeProperty);
  }

  /** The same from features already in memory (e.g. read from a TopoJSON file); null geometries are left out. */
  static async fromFeatures(databaseUrl: string, features: readonly ReferenceFeature[], codeProperty: string): Promise<IndependentCoversReference> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`CREATE TEMP TABLE ref_area (code text, geom geometry) ON COMMIT PRESERVE ROWS`);
    const shaped = features.filter((f) => f.geometry !== null);
    for (let i = 0; i < shaped.length; i += 200) {
      const batch = shaped.slice(i, i + 200).map((f) => ({ code: String(f.properties[codeProperty]), geometry: f.geometry }));
      await client.query(
        `INSERT INTO ref_area (code, geom)
         SELECT e->>'code', ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(e->'geometry'), 4326))
           FROM jsonb_array_elements($1::jsonb) e`,
        [JSON.stringify(batch)],
      );
    }
    await client.query(`CREATE INDEX ON ref_area USING gist (geom)`);
    await client.query(`ANALYZE ref_area`);
    return new IndependentCoversReference(client);
  }

  /** Smallest covering code per point (the documented tie-break on shared edges), or null. */
  async codesFor(points: { lon: number; lat: number }[]): Promise<(string | null)[]> {
    const { rows } = await this.client.query<{ i: number; code: string | null }>(
      `SELECT p.i, (SELECT a.code FROM ref_area a
                     WHERE ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
                     ORDER BY a.code LIMIT 1) AS code
         FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
        ORDER BY p.i`,
      [points.map((p) => p.lon), points.map((p) => p.lat)],
    );
    return rows.map((r) => r.code);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
