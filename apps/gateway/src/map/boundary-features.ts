// Boundary outlines as a GeoJSON FeatureCollection for the page's map, and the bbox filter.
import type { BoundaryCollectionDto, BoundaryFeatureDto, MapBoundaryLevel } from '@geobatch/contracts';
import type { OutlineDetail, OutlineRow } from '@geobatch/geo-query';

export type Bbox = [number, number, number, number];

/**
 * How much each level is thinned: 시도 to about 500 m (Korea's 17 in about 100 KB), 시군구 to about
 * 300 m (all 250 in about 350 KB, a few dozen in a zoomed-in view). A map of the whole country
 * needs no more; the lookups never use these.
 */
export const OUTLINE_DETAIL: Readonly<Record<MapBoundaryLevel, OutlineDetail>> = {
  sido: { tolerance: 0.005, minArea: 1e-4, digits: 3 },
  sigungu: { tolerance: 0.003, minArea: 3e-5, digits: 3 },
};

/** `minLon,minLat,maxLon,maxLat` (already matched by the DTO's pattern) as numbers, corners put in order. */
export function parseBbox(text: string | undefined): Bbox | null {
  if (text === undefined) return null;
  const [a, b, c, d] = text.split(',').map((s) => Number(s.trim()));
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

export function bboxesMeet(a: Bbox, b: Bbox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

export function featureOf(row: OutlineRow, level: MapBoundaryLevel): BoundaryFeatureDto {
  return {
    type: 'Feature',
    bbox: row.bbox,
    properties: { code: row.code, name: row.name, level },
    geometry: JSON.parse(row.geometry) as Record<string, unknown>,
  };
}

/** The features of one level, only those whose box meets `bbox` when one is given. */
export function featureCollection(datasetId: string, level: MapBoundaryLevel, features: readonly BoundaryFeatureDto[], bbox: Bbox | null): BoundaryCollectionDto {
  return {
    type: 'FeatureCollection',
    datasetId,
    level,
    tolerance: OUTLINE_DETAIL[level].tolerance,
    features: bbox ? features.filter((f) => bboxesMeet(f.bbox as Bbox, bbox)) : [...features],
  };
}
