/*
 * Test support only (never imported by the library): a 도로명주소 전자지도 "구역의 도형" download of two
 * made-up-small 시도 (서울 11 and 세종 36, a few squares each), laid out as the real one: one zip per
 * 시도, EPSG:5179 coordinates, CP949 attributes, the official layer and field names, the national
 * TL_SCCO_CTPRVN layer in every zip. The 서울 zip has a folder per 시도 with .prj and .cpg; the 세종 zip a
 * folder per layer and neither.
 */
import { shapefileFiles, PRJ_5179_ESRI, writeZip, type ShapeFeature } from '../shapefile-writer.testing';

/** [code, name, x0, y0, x1, y1] in EPSG:5179 metres (서울 near 950000/1950000, 세종 near 980000/1830000). */
type Square = [string, string, number, number, number, number];

const CTPRVN: Square[] = [
  ['11', '서울특별시', 950_000, 1_950_000, 960_000, 1_960_000],
  ['36', '세종특별자치시', 980_000, 1_830_000, 990_000, 1_840_000],
];

const SEOUL: Record<string, Square[]> = {
  TL_SCCO_SIG: [
    ['11110', '종로구', 950_000, 1_950_000, 955_000, 1_960_000],
    ['11140', '중구', 955_000, 1_950_000, 960_000, 1_960_000],
  ],
  TL_SCCO_EMD: [
    ['11110101', '청운동', 950_000, 1_950_000, 952_500, 1_955_000],
    ['11110102', '신교동', 952_500, 1_950_000, 955_000, 1_955_000],
    ['11140101', '무교동', 955_000, 1_950_000, 960_000, 1_955_000],
  ],
  TL_SCCO_GEMD: [
    ['1111051500', '청운효자동', 950_000, 1_950_000, 955_000, 1_955_000],
    ['1114052000', '소공동', 955_000, 1_950_000, 960_000, 1_955_000],
  ],
};

const SEJONG: Record<string, Square[]> = {
  TL_SCCO_SIG: [['36110', '세종특별자치시', 980_000, 1_830_000, 990_000, 1_840_000]],
  TL_SCCO_EMD: [
    ['36110250', '조치원읍', 980_000, 1_830_000, 985_000, 1_840_000],
    ['36110310', '연기면', 985_000, 1_830_000, 990_000, 1_840_000],
  ],
  TL_SCCO_LI: [
    ['3611031021', '보통리', 985_000, 1_830_000, 990_000, 1_835_000],
    ['3611031022', '세종리', 985_000, 1_835_000, 990_000, 1_840_000],
  ],
  TL_SCCO_GEMD: [
    ['3611025000', '조치원읍', 980_000, 1_830_000, 985_000, 1_840_000],
    ['3611031000', '연기면', 985_000, 1_830_000, 990_000, 1_840_000],
  ],
};

const FIELDS: Record<string, [string, string, string]> = {
  TL_SCCO_CTPRVN: ['CTPRVN_CD', 'CTP_KOR_NM', 'CTP_ENG_NM'],
  TL_SCCO_SIG: ['SIG_CD', 'SIG_KOR_NM', 'SIG_ENG_NM'],
  TL_SCCO_EMD: ['EMD_CD', 'EMD_KOR_NM', 'EMD_ENG_NM'],
  TL_SCCO_LI: ['LI_CD', 'LI_KOR_NM', 'LI_ENG_NM'],
  TL_SCCO_GEMD: ['EMD_CD', 'EMD_KOR_NM', 'EMD_ENG_NM'],
};

/** Exterior ring clockwise, as shapefiles want. */
function shape(layer: string, [code, name, x0, y0, x1, y1]: Square): ShapeFeature {
  const [c, n, e] = FIELDS[layer];
  return {
    properties: { [c]: code, [n]: name, [e]: `area ${code}` },
    geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x0, y1], [x1, y1], [x1, y0], [x0, y0]]] },
  };
}

async function addLayer(files: Map<string, Buffer>, dir: string, folder: string, layer: string, squares: Square[], withSidecars: boolean): Promise<void> {
  const [c, n, e] = FIELDS[layer];
  const parts = await shapefileFiles(dir, squares.map((s) => shape(layer, s)), {
    fields: [{ name: c, size: 10 }, { name: n, size: 40 }, { name: e, size: 40 }],
    encoding: 'cp949',
    ...(withSidecars ? { prj: PRJ_5179_ESRI, cpg: 'CP949' } : {}),
  });
  for (const [ext, bytes] of parts) files.set(`${folder}${layer}${ext}`, bytes);
}

export interface JusoDownloadOptions {
  /** Names 세종 differently in the 세종 zip's national 시도 layer than the 서울 zip does (a conflict). */
  conflictingSido?: boolean;
}

/** Writes `구역의도형_전체분_서울특별시.zip` (dated 2024-01-03) and `구역의도형_전체분_세종특별자치시.zip` (2024-01-05) into `dir`. */
export async function writeJusoDownload(dir: string, options: JusoDownloadOptions = {}): Promise<{ seoul: string; sejong: string }> {
  const seoul = new Map<string, Buffer>();
  const folder = '구역의도형_전체분_서울특별시/';
  await addLayer(seoul, dir, folder, 'TL_SCCO_CTPRVN', CTPRVN, true);
  for (const [layer, squares] of Object.entries(SEOUL)) await addLayer(seoul, dir, folder, layer, squares, true);

  const sejong = new Map<string, Buffer>();
  const sido = options.conflictingSido ? CTPRVN.map((s): Square => (s[0] === '36' ? [s[0], '세종시', s[2], s[3], s[4], s[5]] : s)) : CTPRVN;
  await addLayer(sejong, dir, 'TL_SCCO_CTPRVN/', 'TL_SCCO_CTPRVN', sido, false);
  for (const [layer, squares] of Object.entries(SEJONG)) await addLayer(sejong, dir, `${layer}/`, layer, squares, false);

  const suffix = options.conflictingSido ? '-conflict' : '';
  return {
    seoul: await writeZip(dir, `구역의도형_전체분_서울특별시${suffix}.zip`, seoul, new Date(Date.UTC(2024, 0, 3, 9))),
    sejong: await writeZip(dir, `구역의도형_전체분_세종특별자치시${suffix}.zip`, sejong, new Date(Date.UTC(2024, 0, 5, 9))),
  };
}

/** boundary_area rows (level, code, name, parent_code) the 법정 dataset must hold, ordered by code. */
export const JUSO_LEGAL_ROWS = [
  ['sido', '1100000000', '서울특별시', null],
  ['sigungu', '1111000000', '종로구', '1100000000'],
  ['eupmyeondong', '1111010100', '청운동', '1111000000'],
  ['eupmyeondong', '1111010200', '신교동', '1111000000'],
  ['sigungu', '1114000000', '중구', '1100000000'],
  ['eupmyeondong', '1114010100', '무교동', '1114000000'],
  ['sido', '3600000000', '세종특별자치시', null],
  ['sigungu', '3611000000', '세종특별자치시', '3600000000'],
  ['eupmyeondong', '3611025000', '조치원읍', '3611000000'],
  ['eupmyeondong', '3611031000', '연기면', '3611000000'],
  ['ri', '3611031021', '보통리', '3611031000'],
  ['ri', '3611031022', '세종리', '3611031000'],
].map(([level, code, name, parent_code]) => ({ level, code, name, parent_code }));

/** The same for the 행정동 dataset: the 법정 시도 and 시군구 with the TL_SCCO_GEMD 행정동. */
export const JUSO_ADMIN_ROWS = [
  ['sido', '1100000000', '서울특별시', null],
  ['sigungu', '1111000000', '종로구', '1100000000'],
  ['eupmyeondong', '1111051500', '청운효자동', '1111000000'],
  ['sigungu', '1114000000', '중구', '1100000000'],
  ['eupmyeondong', '1114052000', '소공동', '1114000000'],
  ['sido', '3600000000', '세종특별자치시', null],
  ['sigungu', '3611000000', '세종특별자치시', '3600000000'],
  ['eupmyeondong', '3611025000', '조치원읍', '3611000000'],
  ['eupmyeondong', '3611031000', '연기면', '3611000000'],
].map(([level, code, name, parent_code]) => ({ level, code, name, parent_code }));
