/** Columns appended to every output sheet, in this order (the public interface of the workbook). */
export const APPENDED_COLUMNS = [
  '시도',
  '시군구',
  '읍면동',
  '리',
  '주소',
  '시도코드',
  '시군구코드',
  '읍면동코드',
  '리코드',
  '상태',
  '비고',
] as const;
