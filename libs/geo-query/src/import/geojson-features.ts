import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parentCodeOf } from './area-codes';
import { BoundaryImportError, FeatureCollectionScanner } from './feature-collection.scanner';

/** Limits of the contract (AreaV1): longer values could not travel in a result event. */
export const MAX_CODE_LENGTH = 20;
export const MAX_NAME_LENGTH = 200;

/** One feature reduced to what is stored. */
export interface AreaRecord {
  code: string;
  name: string;
  /** The GeoJSON geometry object, Polygon or MultiPolygon. */
  geometry: { type: string };
}

export interface FieldNames {
  codeField: string;
  nameField: string;
  /** Keep the last space-separated word of the name (full names such as "서울특별시 종로구 사직동"). */
  nameLastWord?: boolean;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}

function propertyText(
  props: Record<string, unknown>,
  field: string,
  role: string,
  where: string,
  max: number,
): string {
  const value = props[field];
  if (value === undefined || value === null) {
    const have = Object.keys(props);
    const list = have.length > 0 ? have.map((k) => `"${k}"`).join(', ') : 'none';
    throw new BoundaryImportError(`${where} has no "${field}" property (the ${role} field); its properties are: ${list}`);
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new BoundaryImportError(`${where}: the ${role} field "${field}" is ${describe(value)}, expected text or a number`);
  }
  const text = String(value).trim();
  if (text === '') throw new BoundaryImportError(`${where}: the ${role} field "${field}" is empty`);
  if (text.length > max) throw new BoundaryImportError(`${where}: the ${role} field "${field}" is longer than ${max} characters`);
  if (text.includes('\uFFFD')) {
    throw new BoundaryImportError(
      `${where}: the ${role} field "${field}" holds undecodable characters (${JSON.stringify(text.slice(0, 30))}); ` +
        'the text encoding is wrong (for shapefiles give --encoding, e.g. cp949)',
    );
  }
  return text;
}

/** The last space-separated word: "서울특별시 종로구 사직동" → "사직동". */
export function lastWord(name: string): string {
  const words = name.split(/\s+/).filter((w) => w !== '');
  return words[words.length - 1] ?? name;
}

/**
 * The name of a parent level a feature carries in its properties (see `parentNameFields`), with the
 * parent's code: the first `codeLength` characters of the feature's own code (zero-padded to 10 digits
 * when the feature's code is a 10-digit official code).
 */
export function parentArea(
  feature: unknown,
  code: string,
  parent: { level: string; nameField: string; codeLength: number },
  where: string,
): { code: string; name: string } {
  if (code.length <= parent.codeLength) {
    throw new BoundaryImportError(
      `${where}: code "${code}" is too short to hold a ${parent.level} code of ${parent.codeLength} characters`,
    );
  }
  const props = (feature as { properties: Record<string, unknown> }).properties;
  return { code: parentCodeOf(code, parent.codeLength), name: propertyText(props, parent.nameField, `${parent.level} name`, where, MAX_NAME_LENGTH) };
}

/**
 * Checks one parsed GeoJSON feature and extracts code, name and geometry. `where` names the
 * feature for error messages, e.g. `sigungu layer sgg.geojson, feature 12`.
 */
export function toAreaRecord(feature: unknown, fields: FieldNames, where: string): AreaRecord {
  if (feature === null || typeof feature !== 'object' || Array.isArray(feature)) {
    throw new BoundaryImportError(`${where} is not a GeoJSON Feature object`);
  }
  const f = feature as { properties?: unknown; geometry?: unknown };
  const props = f.properties;
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw new BoundaryImportError(`${where} has no properties (expected "${fields.codeField}" and "${fields.nameField}")`);
  }
  const code = propertyText(props as Record<string, unknown>, fields.codeField, 'code', where, MAX_CODE_LENGTH);
  const fullName = propertyText(props as Record<string, unknown>, fields.nameField, 'name', where, MAX_NAME_LENGTH);
  const name = fields.nameLastWord ? lastWord(fullName) : fullName;
  const geometry = f.geometry as { type?: unknown; coordinates?: unknown } | null | undefined;
  if (geometry === null || geometry === undefined || typeof geometry !== 'object') {
    throw new BoundaryImportError(`${where} (code ${code}) has no geometry`);
  }
  if (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon') {
    throw new BoundaryImportError(
      `${where} (code ${code}) has a ${String(geometry.type)} geometry; boundary layers need Polygon or MultiPolygon`,
    );
  }
  if (!Array.isArray(geometry.coordinates)) {
    throw new BoundaryImportError(`${where} (code ${code}) has a geometry without coordinates`);
  }
  return { code, name, geometry: geometry as { type: string } };
}

/** Fails early, before any transaction is opened, when a file cannot be read. */
export async function assertReadableFile(path: string, what: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new BoundaryImportError(`${what}: file not found: ${path}`);
  }
  if (!info.isFile()) throw new BoundaryImportError(`${what}: not a regular file: ${path}`);
}

/**
 * Streams the features of a GeoJSON FeatureCollection file as parsed objects, one at a time.
 * Malformed files raise BoundaryImportError prefixed with `label`.
 */
export async function* readGeoJsonFeatures(path: string, label: string): AsyncGenerator<unknown> {
  const scanner = new FeatureCollectionScanner();
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let n = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      for (const text of scanner.push(chunk)) {
        n++;
        try {
          yield JSON.parse(text);
        } catch (e) {
          if (e instanceof SyntaxError) throw new BoundaryImportError(`feature ${n} is not valid JSON (${e.message})`);
          throw e;
        }
      }
    }
    scanner.end();
  } catch (e) {
    if (e instanceof BoundaryImportError && !e.message.startsWith(label)) throw new BoundaryImportError(`${label}: ${e.message}`);
    throw e;
  } finally {
    stream.destroy();
  }
}
