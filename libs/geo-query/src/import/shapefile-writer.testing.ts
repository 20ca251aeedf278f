/*
 * Test support only (never imported by the library): writes ESRI shapefiles with libraries, as a
 * GIS would, so the importer is tested on files it did not produce itself. Geometry (.shp/.shx) by
 * @mapbox/shp-write, attributes (.dbf) by dbffile through iconv-lite in the chosen encoding, the
 * archive by JSZip.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { write as writeShp } from '@mapbox/shp-write';
import { DBFFile } from 'dbffile';
import JSZip from 'jszip';

/** A polygon feature in the coordinates of the file, exterior rings clockwise (the shapefile rule). */
export interface ShapeFeature {
  properties: Record<string, string>;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown[] };
}

export interface ShapefileWriteOptions {
  /** Attribute fields: dbf names (≤ 10 characters) and byte sizes. */
  fields: { name: string; size: number }[];
  /** iconv-lite encoding of the dbf text, e.g. `cp949`. */
  encoding: string;
  /** Contents of the .prj and .cpg; left out when undefined. */
  prj?: string;
  cpg?: string;
  /** Folder inside the archive, e.g. `TL_SCCO_EMD/`. */
  folder?: string;
  /** Files to leave out of the archive, by extension (e.g. `.shp`, `.dbf`). */
  omit?: string[];
}

/** A layer with no record: shp-write cannot write one, so its one-record files are cut back to their 100-byte headers. */
async function emptyShpAndShx(): Promise<{ shp: Buffer; shx: Buffer }> {
  const square: ShapeFeature = { properties: {}, geometry: { type: 'Polygon', coordinates: [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]] } };
  const { shp, shx } = await shpAndShx([square]);
  const header = (b: Buffer) => {
    const h = Buffer.from(b.subarray(0, 100));
    h.writeInt32BE(50, 24); // file length in 16-bit words: the header alone
    return h;
  };
  return { shp: header(shp), shx: header(shx) };
}

function shpAndShx(features: ShapeFeature[]): Promise<{ shp: Buffer; shx: Buffer }> {
  if (features.length === 0) return emptyShpAndShx();
  return new Promise((resolve, reject) => {
    writeShp(
      features.map(() => ({})),
      'POLYGON',
      features.map((f) => f.geometry.coordinates),
      (err: unknown, files: { shp: DataView; shx: DataView }) => {
        if (err) return reject(err);
        const buf = (v: DataView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        resolve({ shp: buf(files.shp), shx: buf(files.shx) });
      },
    );
  });
}

async function dbfBytes(dir: string, features: ShapeFeature[], options: ShapefileWriteOptions): Promise<Buffer> {
  const path = join(dir, `attrs-${process.hrtime.bigint()}.dbf`);
  const dbf = await DBFFile.create(
    path,
    options.fields.map((f) => ({ name: f.name, type: 'C' as const, size: f.size })),
    { encoding: options.encoding },
  );
  await dbf.appendRecords(features.map((f) => Object.fromEntries(options.fields.map((fd) => [fd.name, f.properties[fd.name] ?? '']))));
  const bytes = await readFile(path);
  await rm(path, { force: true });
  return bytes;
}

/** The layer's files by extension (`.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`). */
export async function shapefileFiles(dir: string, features: ShapeFeature[], options: ShapefileWriteOptions): Promise<Map<string, Buffer>> {
  const { shp, shx } = await shpAndShx(features);
  const files = new Map<string, Buffer>([
    ['.shp', shp],
    ['.shx', shx],
    ['.dbf', await dbfBytes(dir, features, options)],
  ]);
  if (options.prj !== undefined) files.set('.prj', Buffer.from(options.prj, 'utf8'));
  if (options.cpg !== undefined) files.set('.cpg', Buffer.from(options.cpg, 'latin1'));
  for (const ext of options.omit ?? []) files.delete(ext);
  return files;
}

/** Writes `<dir>/<name>.zip` holding `<folder><name>.shp` and its companions; returns its path. */
export async function writeZippedShapefile(dir: string, name: string, features: ShapeFeature[], options: ShapefileWriteOptions): Promise<string> {
  const files = await shapefileFiles(dir, features, options);
  const zip = new JSZip();
  for (const [ext, bytes] of files) zip.file(`${options.folder ?? ''}${name}${ext}`, bytes);
  const path = join(dir, `${name}.zip`);
  await writeFile(path, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return path;
}

/**
 * Writes `<dir>/<name>` holding `files` (path in the archive → bytes), e.g. several layers in folders as
 * a 도로명주소 download has them, every entry dated `date` (zip dates are local time; JSZip writes them from UTC).
 */
export async function writeZip(dir: string, name: string, files: Map<string, Buffer>, date?: Date): Promise<string> {
  const zip = new JSZip();
  for (const [path, bytes] of files) zip.file(path, bytes, date ? { date } : {});
  const path = join(dir, name);
  await writeFile(path, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return path;
}

/** The ESRI WKT of EPSG:5179 as GIS software writes it in a .prj. */
export const PRJ_5179_ESRI =
  'PROJCS["Korea_2000_Korea_Unified_Coordinate_System",GEOGCS["GCS_Korea_2000",DATUM["D_Korea_2000",' +
  'SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],' +
  'PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",1000000.0],PARAMETER["False_Northing",2000000.0],' +
  'PARAMETER["Central_Meridian",127.5],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",38.0],UNIT["Meter",1.0]]';
