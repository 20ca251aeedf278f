import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ADMIN_LEVEL_LABELS, type InputCrs } from '@geobatch/contracts';
import { runImport } from '../boundary-import.runner';
import type { ImportResult, LayerSource } from '../import-plan';
import { BoundaryImportError } from '../feature-collection.scanner';
import { assertReadableFile } from '../geojson-features';
import { validateDatasetMeta, validateSrid, type DatasetMeta } from '../import-options';
import { encodingLabel } from '../shapefile-encoding';
import { detectFileKind, openShapefile, type OpenedShapefile } from '../shapefile-source';
import type { ImportPresetOptions } from './import-preset';
import { JUSO_LAYERS, officialCode, scanJusoArchives, type JusoLayerFile, type JusoLayerSpec } from './juso-layers';

export const JUSO_DEFAULT_NAME = 'juso';
/** Suffix of the 행정동 dataset's name. */
export const JUSO_ADMIN_SUFFIX = '-hjd';
export const JUSO_ATTRIBUTION = '행정안전부 도로명주소 전자지도';
/** What the downloads are when a .prj or .cpg is missing. */
const JUSO_CRS: InputCrs = 'EPSG:5179';
const JUSO_ENCODING = 'cp949';

/** Where each code is kept: the first file (index into the layer's files) that holds it. */
type KeptCodes = Map<string, { file: number; name: string; where: string }>;

interface LayerFiles {
  spec: JusoLayerSpec;
  files: JusoLayerFile[];
  kept?: KeptCodes;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

function fieldOf(rec: Record<string, unknown>, field: string, where: string): unknown {
  if (rec[field] === undefined || rec[field] === null) {
    const have = Object.keys(rec).map((k) => `"${k}"`).join(', ') || 'none';
    throw new BoundaryImportError(`${where} has no "${field}" field; its fields are: ${have}`);
  }
  return rec[field];
}

async function openLayer(layer: LayerFiles, o: ImportPresetOptions): Promise<OpenedShapefile[]> {
  const crs = validateSrid(o.srid);
  const out: OpenedShapefile[] = [];
  for (const f of layer.files) {
    const shp = await openShapefile(f.zipPath, 'zip', {
      entry: f.entry,
      crs,
      encoding: o.encoding,
      fallbackCrs: JUSO_CRS,
      fallbackEncoding: JUSO_ENCODING,
      fallbackFrom: '--preset juso',
      where: f.where,
    });
    out.push(shp);
  }
  const systems = [...new Set(out.map((s) => s.crs))];
  if (systems.length > 1) {
    throw new BoundaryImportError(
      `${layer.spec.layer}: the files are in different coordinate systems (${out.map((s) => `${s.where}: ${s.crs} from ${s.crsFrom}`).join('; ')}); give one with --srid`,
    );
  }
  return out;
}

/**
 * Reads the attributes of every file of a layer (no geometry) before anything is written: codes and
 * names must be there, and a code in several files (the national 시도 layer in every 시도 zip) must
 * have the same name in each; it is then imported once, from the first file.
 */
async function checkLayer(layer: LayerFiles, opened: OpenedShapefile[]): Promise<KeptCodes> {
  const { spec } = layer;
  const kept: KeptCodes = new Map();
  for (const [i, shp] of opened.entries()) {
    let n = 0;
    for await (const rec of shp.attributes()) {
      n++;
      const where = `${shp.where}, record ${n}`;
      const code = officialCode(fieldOf(rec, spec.codeField, where), spec, where);
      const name = text(fieldOf(rec, spec.nameField, where));
      const known = kept.get(code);
      if (!known) kept.set(code, { file: i, name, where });
      else if (known.file !== i && known.name !== name) {
        throw new BoundaryImportError(
          `${spec.layer}: code ${code} is "${known.name}" in ${known.where} but "${name}" in ${where}; ` +
            'the files are not of one release',
        );
      }
    }
  }
  return kept;
}

/** The features of all files of a layer as one layer, each code once, with codes in their 10-digit form. */
async function* mergedFeatures(layer: LayerFiles, opened: OpenedShapefile[]): AsyncGenerator<unknown> {
  for (const [i, shp] of opened.entries()) {
    let n = 0;
    for await (const f of shp.features) {
      n++;
      const props = (f as { properties?: Record<string, unknown> | null }).properties;
      if (props === null || props === undefined || typeof props !== 'object') {
        yield f;
        continue;
      }
      const code = officialCode(props[layer.spec.codeField], layer.spec, `${shp.where}, record ${n}`);
      if (layer.kept?.get(code)?.file !== i) continue;
      props[layer.spec.codeField] = code;
      yield f;
    }
  }
}

function layerSource(layer: LayerFiles, opened: OpenedShapefile[]): LayerSource {
  const { spec } = layer;
  const distinct = (values: string[]) => [...new Set(values)].join('/');
  const files = opened.length === 1 ? opened[0].where : `${opened.length} files: ${opened.map((s) => s.where).join(', ')}`;
  const how = `${opened[0].crs} from ${distinct(opened.map((s) => s.crsFrom))}, ${distinct(opened.map((s) => encodingLabel(s.encoding)))} from ${distinct(opened.map((s) => s.encodingFrom))}`;
  return {
    level: spec.level,
    label: `${spec.level} (${ADMIN_LEVEL_LABELS[spec.level]}) layer ${spec.layer} (${files}; ${how})`,
    codeField: spec.codeField,
    nameField: spec.nameField,
    crs: opened[0].crs,
    features: mergedFeatures(layer, opened),
  };
}

/** The newest date of the layer files, `YYYY-MM-DD`, or null when no header has one. */
function newestDate(layers: LayerFiles[]): string | null {
  return layers.flatMap((l) => l.files.map((f) => f.date)).filter((d): d is string => d !== null).sort().at(-1) ?? null;
}

function metaOf(o: ImportPresetOptions, name: string, date: string | null, isDefault: boolean): DatasetMeta {
  if (o.version === undefined && date === null) {
    throw new BoundaryImportError('the archives carry no file dates to take the version from: give --version (e.g. 2024-01)');
  }
  return validateDatasetMeta({
    name,
    version: o.version ?? date!.slice(0, 7),
    effectiveDate: o.effectiveDate === undefined ? date : o.effectiveDate,
    attribution: o.attribution ?? JUSO_ATTRIBUTION,
    isDefault,
  });
}

/**
 * `--preset juso`: the 구역의 도형 zips of 도로명주소 전자지도 (one per 시도, or one national) as two
 * datasets: 법정 (TL_SCCO_CTPRVN/SIG/EMD/LI, named `juso`) and 행정 (TL_SCCO_GEMD with the 시도 and
 * 시군구 layers, `juso-hjd`). Each is one transaction; every archive, .prj, .cpg and attribute record
 * is checked before the first one starts.
 */
export async function importJuso(ds: DataSource, files: string[], o: ImportPresetOptions): Promise<ImportResult[]> {
  for (const f of files) {
    await assertReadableFile(f, '--preset juso');
    if ((await detectFileKind(f)) !== 'zip') {
      throw new BoundaryImportError(`${f} is not a zip archive; --preset juso takes the downloaded 구역의 도형 .zip files as they are`);
    }
  }
  const scratch = await mkdtemp(join(tmpdir(), 'geobatch-juso-'));
  try {
    const archives = await scanJusoArchives(files, scratch);
    const all = archives.flatMap((a) => a.layers);
    const layers: LayerFiles[] = JUSO_LAYERS.map((spec) => ({ spec, files: all.filter((f) => f.layer === spec.layer) })).filter((l) => l.files.length > 0);
    const byName = (name: string) => layers.find((l) => l.spec.layer === name);

    const opened = new Map<LayerFiles, OpenedShapefile[]>();
    for (const l of layers) {
      const shps = await openLayer(l, o);
      l.kept = await checkLayer(l, shps);
      opened.set(l, shps);
    }
    const legal = layers.filter((l) => l.spec.set === 'legal');
    const gemd = byName('TL_SCCO_GEMD');
    // The 행정 set's 시도 and 시군구 are the 법정 ones: their codes are the prefixes of 행정기관코드 too.
    const admin = gemd ? [byName('TL_SCCO_CTPRVN'), byName('TL_SCCO_SIG'), gemd].filter((l): l is LayerFiles => l !== undefined) : [];
    const date = newestDate(layers);
    const base = o.name ?? JUSO_DEFAULT_NAME;
    const plans: { meta: DatasetMeta; layers: LayerFiles[] }[] = [];
    if (legal.length > 0) plans.push({ meta: metaOf(o, base, date, o.isDefault === true), layers: legal });
    if (admin.length > 0) plans.push({ meta: metaOf(o, `${base}${JUSO_ADMIN_SUFFIX}`, date, o.isDefault === true && legal.length === 0), layers: admin });

    const results: ImportResult[] = [];
    for (const plan of plans) {
      const sources: LayerSource[] = [];
      for (const l of plan.layers) {
        // A layer in both sets is read twice: each import streams its own features.
        const shps = opened.get(l) ?? (await openLayer(l, o));
        opened.delete(l);
        sources.push(layerSource(l, shps));
      }
      try {
        const result = await runImport(ds, {
          meta: plan.meta,
          layers: sources,
          onProgress: o.onProgress && ((e) => o.onProgress!({ ...e, dataset: plan.meta.name })),
        });
        results.push(result!);
      } catch (e) {
        if (e instanceof BoundaryImportError && results.length > 0) {
          const done = results.map((r) => `${r.name}@${r.version}`).join(', ');
          throw new BoundaryImportError(`${e.message} (${plan.meta.name} was not imported; ${done} was)`);
        }
        throw e;
      }
    }
    return results;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
