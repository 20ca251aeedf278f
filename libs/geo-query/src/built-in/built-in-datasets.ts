import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { DissolvedLevel, LayerSource } from '../import/import-plan';
import { officialCodeOf } from '../import/area-codes';
import { lastWord } from '../import/geojson-features';
import { readGzipText, TopoLayer, type TopoProperties } from './topojson-layer';

/** What a built-in dataset imports: its finest layer, and the coarser levels dissolved from it. */
export interface BuiltInLayers {
  layers: LayerSource[];
  dissolve: DissolvedLevel[];
}

/** A boundary dataset that ships in `data/boundaries/` and is loaded by set-up, without any download. */
export interface BuiltInDataset {
  name: string;
  version: string;
  effectiveDate: string;
  attribution: string;
  /** Generalised outlines: a first answer, not boundary-exact (see the README's accuracy figures). */
  simplified: boolean;
  /** What a user should know about the data, shown with the dataset and in 요약. */
  notes: string;
  /** The dataset jobs use when they name none. */
  isDefault: boolean;
  /**
   * Its 읍면동, read from the data folder, with 시군구 and 시도 as their unions in PostGIS: every level
   * then has the same outline, gaps between 읍면동 included, so no point falls between levels.
   */
  layers(dataDir: string): Promise<BuiltInLayers>;
}

type Feature = { type: 'Feature'; properties: { code: string; name: string }; geometry: GeoJSON.Geometry };

function area(code: string, name: string, geometry: GeoJSON.Geometry): Feature {
  return { type: 'Feature', properties: { code, name }, geometry };
}

function emdLayer(label: string, features: Feature[]): LayerSource {
  return { level: 'eupmyeondong', label, codeField: 'code', nameField: 'name', features };
}

function text(props: TopoProperties | undefined, field: string, where: string): string {
  const v = props?.[field];
  if (v === undefined || v === null || String(v).trim() === '') throw new Error(`${where}: no ${field}`);
  return String(v).trim();
}

/** 시군구 as unions of 읍면동, then 시도 as unions of 시군구; parent code and name by code prefix. */
function dissolved(sido: Map<string, { code: string; name: string }>, sigungu: Map<string, { code: string; name: string }>): DissolvedLevel[] {
  return [
    { level: 'sigungu', from: 'eupmyeondong', areas: sigungu },
    { level: 'sido', from: 'sigungu', areas: sido },
  ];
}

const BJD_DIR = 'kr-bjd-2024-02';

/** 법정 시도 / 시군구 / 읍면동 as of 2024-02-13, 10-digit 법정동코드. */
export const KR_BJD: BuiltInDataset = {
  name: 'kr-bjd',
  version: '2024-02',
  effectiveDate: '2024-02-13',
  attribution:
    '법정구역 경계: 행정안전부 도로명주소 전자지도, simplified TopoJSON by TENQUBE/react-korea-bubble-map (MIT), ' +
    'from GIS Developer의 행정구역 SHP (2024-02-13)',
  simplified: true,
  notes:
    '간소화된 경계(읍면동마다 약 53점): 경계선 근처 점은 이웃 동으로 나올 수 있음. 리 단계 없음. ' +
    '경계가 없는 법정동 3곳(26110139 남포동4가, 27110129 도원동, 51110104 중앙로1가)은 이웃 동으로 나옴. / ' +
    'Simplified outlines (about 53 points per 읍면동): points near a boundary may get the neighbouring 동. No 리 level. ' +
    '3 tiny 법정동 without a polygon answer as their neighbours.',
  isDefault: true,
  async layers(dataDir) {
    const dir = join(dataDir, BJD_DIR);
    const [sido, sigungu, emd] = await Promise.all([
      TopoLayer.read(join(dir, 'sido.topo.json.gz'), 'sido'),
      TopoLayer.read(join(dir, 'sigungu.topo.json.gz'), 'sigungu'),
      TopoLayer.read(join(dir, 'emd.topo.json.gz'), 'emd'),
    ]);
    const where = `built-in ${BJD_DIR}`;
    // The 시도 and 시군구 files name the parents (their CODE is already the 10-digit 법정동코드).
    const areas = (layer: TopoLayer, what: string, digits: number) =>
      new Map(
        layer.geometries.map((g) => {
          const code = text(g.properties, 'CODE', `${where} ${what}`);
          return [code.slice(0, digits), { code, name: text(g.properties, 'KOR_NM', `${where} ${what}`) }];
        }),
      );
    const features = emd.shaped.map((g) =>
      area(`${text(g.properties, 'CODE', `${where} emd`)}00`, text(g.properties, 'KOR_NM', `${where} emd`), emd.toFeature(g).geometry),
    );
    return { layers: [emdLayer(`${where} emd`, features)], dissolve: dissolved(areas(sido, 'sido', 2), areas(sigungu, 'sigungu', 5)) };
  },
};

const HJD_DIR = 'kr-hjd-2022-03';

interface AdmRow {
  adm_nm: string;
  adm_cd: string;
  adm_cd2: string;
  sgg: string;
  sido: string;
  sidonm: string;
  sggnm: string;
}

/** The 동 name: the last word of the full name (`emd_nm` has a few slips, e.g. 중산1동 and 중산2동 both as 중산동). */
const dongName = (r: AdmRow) => lastWord(r.adm_nm);

/** `수원시장안구` (the table's spelling) → `수원시 장안구` (행정안전부's). */
export function spacedSigunguName(name: string): string {
  return name.replace(/^(\S+시)(\S+구)$/u, '$1 $2');
}

/**
 * 행정동 as of 2022-03-09. The polygons carry KOSTAT 7-digit codes; the properties table gives each its
 * 10-digit 행정기관코드 and its 시도 / 시군구. Ten 고양시 동 are listed there under a placeholder KOSTAT
 * code (`31101XX`): they are joined by KOSTAT 구 prefix and name instead.
 */
export const KR_HJD: BuiltInDataset = {
  name: 'kr-hjd',
  version: '2022-03',
  effectiveDate: '2022-03-09',
  attribution:
    '행정동 경계: 통계청 SGIS (공공누리 제1유형), modified by vuski/admdongkor (CC BY 4.0); ' +
    'geometry from vuski/presidentialElection2022SouthKoreaEmdmap',
  simplified: true,
  notes:
    '간소화된 경계(행정동마다 약 43점): 경계선 근처 점은 이웃 동으로 나올 수 있음. 리 단계 없음. 코드는 10자리 행정기관코드. / ' +
    'Simplified outlines (about 43 points per 행정동): points near a boundary may get the neighbouring 동. No 리 level. ' +
    'Codes are 10-digit 행정기관코드.',
  isDefault: false,
  async layers(dataDir) {
    const dir = join(dataDir, HJD_DIR);
    const where = `built-in ${HJD_DIR}`;
    const [emd, tableText, dongText] = await Promise.all([
      TopoLayer.read(join(dir, 'emd.json.gz'), 'emd'),
      readGzipText(join(dir, 'propertiesTable.utf8.tsv.gz')),
      readGzipText(join(dir, 'dong.csv.gz')),
    ]);
    const table = parse(tableText, { columns: true, delimiter: '\t', bom: true }) as AdmRow[];
    const dongNames = new Map((parse(dongText, { columns: true, bom: true }) as { dong_cd: string; dong_nm: string }[]).map((r) => [r.dong_cd, r.dong_nm]));
    const byKostat = new Map(table.map((r) => [r.adm_cd, r]));
    const byGuAndName = new Map(table.map((r) => [`${r.adm_cd.slice(0, 5)} ${dongName(r)}`, r]));
    const rowOf = (kostat: string): AdmRow => {
      const row = byKostat.get(kostat) ?? byGuAndName.get(`${kostat.slice(0, 5)} ${dongNames.get(kostat)}`);
      if (!row) throw new Error(`${where}: 행정동 ${kostat} is not in the properties table`);
      return row;
    };
    const features = emd.shaped.map((g) => {
      const row = rowOf(text(g.properties, 'adm_cd', `${where} emd`));
      return area(row.adm_cd2, dongName(row), emd.toFeature(g).geometry);
    });
    const sido = new Map(table.map((r) => [r.sido, { code: officialCodeOf(r.sido), name: r.sidonm }]));
    const sigungu = new Map(table.map((r) => [r.sgg, { code: officialCodeOf(r.sgg), name: spacedSigunguName(r.sggnm) }]));
    return { layers: [emdLayer(`${where} emd`, features)], dissolve: dissolved(sido, sigungu) };
  },
};

/** Every built-in dataset, the default first. */
export const BUILT_IN_DATASETS: readonly BuiltInDataset[] = [KR_BJD, KR_HJD];

/** The dataset older set-ups loaded as their default (시군구 only); retired by the built-in ones. */
export const RETIRED_DEFAULT_DATASET = 'korea-sigungu-2024';
