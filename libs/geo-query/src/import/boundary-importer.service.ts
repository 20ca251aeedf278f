import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ADMIN_LEVEL_LABELS } from '@geobatch/contracts';
import { runImport, type ImportResult, type LayerSource } from './boundary-import.runner';
import { assertReadableFile, readGeoJsonFeatures } from './geojson-features';
import { validateDatasetMeta, validateFieldName, validateLevelFiles, type ImportGeoJsonOptions } from './import-options';

/** Imports boundary datasets from GeoJSON files (WGS84 FeatureCollections, one file per level). */
@Injectable()
export class BoundaryImporter {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Streams each file into boundary_area and boundary_part in one transaction. Throws
   * BoundaryImportError (with the file and field named) on unusable input; nothing is changed then.
   */
  async importGeoJson(options: ImportGeoJsonOptions): Promise<ImportResult> {
    const meta = validateDatasetMeta(options);
    const files = validateLevelFiles(options.levels);
    const fields = {
      codeField: validateFieldName(options.codeField, 'code field', 'code'),
      nameField: validateFieldName(options.nameField, 'name field', 'name'),
    };
    const layers: LayerSource[] = [];
    for (const [level, path] of files) {
      const label = `${level} (${ADMIN_LEVEL_LABELS[level]}) layer ${path}`;
      await assertReadableFile(path, `${level} (${ADMIN_LEVEL_LABELS[level]}) layer`);
      layers.push({ level, label, ...fields, features: readGeoJsonFeatures(path, label) });
    }
    const result = await runImport(this.dataSource, { meta, layers, onProgress: options.onProgress });
    return result!;
  }
}
