// The coordinate system the preview suggests, said as a suggestion: the value ranges of the
// Central Belt systems overlap over Korea, so for those the page asks the person to check.
import { t } from './i18n';
import { CRS_CODES } from './state';

/** Systems whose ranges over Korea overlap (5181 and 5174 ~300 m apart, 5186 = 5181 + 100 km north). */
const OVERLAPPING = ['EPSG:5186', 'EPSG:5181', 'EPSG:5174'];

/** The preview's line: the system and that it was guessed from the values. */
export function crsText(crs: string | undefined): string {
  if (!crs || crs === 'unknown' || !CRS_CODES.includes(crs)) return t('previewCrsUnknown');
  return t('previewCrsGuess', { crs: t(`crs_${crs.slice(5)}`) });
}

/** The hint under the coordinate-system field, for the system chosen and the one suggested. */
export function crsHint(chosen: string, suggested: string | undefined): string {
  if (!suggested) return '';
  if (suggested === 'unknown') return t('previewCrsUnknown');
  if (chosen !== suggested) return t('crsNotSuggested', { crs: suggested });
  return OVERLAPPING.includes(suggested) ? t('crsOverlap') : t('crsSuggested');
}
