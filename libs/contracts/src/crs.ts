/**
 * Coordinate systems an input's x/y may be in (`RowsChunkEventV2.crs`); the geocoder turns them into
 * WGS84 longitude/latitude. x is always the easting (longitude), y the northing (latitude).
 */
export const INPUT_CRS = ['EPSG:4326', 'EPSG:5179', 'EPSG:5186', 'EPSG:5181', 'EPSG:5174', 'EPSG:3857', 'EPSG:32652'] as const;
export type InputCrs = (typeof INPUT_CRS)[number];

/** Used when a job does not say. */
export const DEFAULT_INPUT_CRS: InputCrs = 'EPSG:4326';

/** What each supported system is, for help texts and messages. */
export const INPUT_CRS_LABELS: Record<InputCrs, string> = {
  'EPSG:4326': 'WGS84 경위도 (longitude/latitude degrees)',
  'EPSG:5179': 'UTM-K (GRS80), 도로명주소·네이버 좌표',
  'EPSG:5186': '중부원점 (GRS80, 가산 600,000), 지적·공간정보',
  'EPSG:5181': '중부원점 (GRS80, 가산 500,000), 카카오 지도',
  'EPSG:5174': '보정된 중부원점 (Bessel), 구 지적도',
  'EPSG:3857': 'Web Mercator (구글·OSM 타일 좌표)',
  'EPSG:32652': 'UTM zone 52N (WGS84)',
};

export function isInputCrs(crs: string): crs is InputCrs {
  return (INPUT_CRS as readonly string[]).includes(crs);
}
