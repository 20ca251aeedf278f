import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ADMIN_LEVEL_LABELS, ADMIN_LEVELS } from '@geobatch/contracts';
import { runImport } from './boundary-import.runner';
import type { ImportResult, LayerSource } from './import-plan';
import { assertReadableFile, readGeoJsonFeatures } from './geojson-features';
import {
  validateDatasetMeta,
  validateLevelFields,
  validateLevelFiles,
  validateParentFields,
  validateSrid,
  type ImportGeoJsonOptions,
} from './import-options';
import { encodingLabel } from './shapefile-encoding';
import { detectFileKind, openShapefile } from './shapefile-source';
import { admdongkorImportOptions } from './presets/admdongkor-preset';
import { validatePreset, validatePresetFiles, type ImportPresetOptions } from './presets/import-preset';
import { importJuso } from './presets/juso-preset';
import { kostatImportOptions } from './presets/kostat-preset';

/** Options of `BoundaryImporter.importFiles`: the same as `importGeoJson` (whose files need not be GeoJSON). */
export type ImportBoundaryOptions = ImportGeoJsonOptions;

/**
 * Imports boundary datasets, one file per level: GeoJSON FeatureCollections (WGS84 unless `srid`
 * says otherwise) or ESRI shapefiles, zipped or not, in any supported coordinate system (from the
 * .prj or `srid`) and attribute encoding (from the .cpg or `encoding`); the kind of each file is
 * told from its content.
 */
@Injectable()
export class BoundaryImporter {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Streams each file into boundary_area and boundary_part in one transaction. Throws
   * BoundaryImportError (with the file and field named) on unusable input; nothing is changed then.
   * Archives, .prj files and encodings are checked before the transaction starts.
   */
  async importGeoJson(options: ImportGeoJsonOptions): Promise<ImportResult> {
    const meta = validateDatasetMeta(options);
    const files = validateLevelFiles(options.levels);
    const codeFields = validateLevelFields(options.codeField, 'code field', 'code');
    const nameFields = validateLevelFields(options.nameField, 'name field', 'name');
    const crs = validateSrid(options.srid);
    const parents = validateParentFields(options.parentNameFields, files.map(([level]) => level));
    const layers: LayerSource[] = [];
    for (const [level, path] of files) {
      const what = `${level} (${ADMIN_LEVEL_LABELS[level]}) layer`;
      await assertReadableFile(path, what);
      const fields = { codeField: codeFields[level], nameField: nameFields[level], nameLastWord: options.nameLastWord === true };
      // Parent names are read from every finer layer (the same code must have the same name in all).
      const own = parents.filter((p) => ADMIN_LEVELS.indexOf(level) > ADMIN_LEVELS.indexOf(p.level));
      const kind = await detectFileKind(path);
      if (kind === 'geojson') {
        const label = `${what} ${path}`;
        layers.push({ level, label, ...fields, crs, parents: own, features: readGeoJsonFeatures(path, label) });
        continue;
      }
      const shp = await openShapefile(path, kind, { crs, encoding: options.encoding });
      const label = `${what} ${shp.where} (${shp.crs} from ${shp.crsFrom}, ${encodingLabel(shp.encoding)} from ${shp.encodingFrom})`;
      layers.push({ level, label, ...fields, crs: shp.crs, parents: own, features: shp.features });
    }
    const result = await runImport(this.dataSource, { meta, layers, onProgress: options.onProgress });
    return result!;
  }

  /**
   * Imports official downloads as they come, by a preset that knows their layout (see
   * `IMPORT_PRESETS`): `juso` makes two datasets (법정 and 행정), the others one. Each dataset is one
   * transaction; the results are in that order.
   */
  async importPreset(options: ImportPresetOptions): Promise<ImportResult[]> {
    const preset = validatePreset(options.preset);
    const files = validatePresetFiles(options.files, preset);
    if (preset === 'juso') return importJuso(this.dataSource, files, options);
    const geo = preset === 'admdongkor' ? admdongkorImportOptions(files, options) : await kostatImportOptions(files, options);
    return [await this.importGeoJson(geo)];
  }

  /** Same as {@link importGeoJson}: any mix of GeoJSON and shapefiles. */
  importFiles(options: ImportBoundaryOptions): Promise<ImportResult> {
    return this.importGeoJson(options);
  }
}
