import { ADMIN_LEVEL_LABELS, ADMIN_LEVELS, type AdminLevel } from './row-status';

/**
 * What a job's reader should know about a dataset it was answered from, frozen with the job when it
 * is accepted (a later re-import does not change what an old result says) and shown in `요약`.
 */
export interface DatasetFacts {
  /** `name@version`. */
  label: string;
  /** `YYYY-MM-DD` the boundaries are valid for, when known. */
  effectiveDate: string | null;
  /** Levels present, most general first. */
  levels: AdminLevel[];
  /** Generalised outlines: a first answer, not boundary-exact. */
  simplified: boolean;
  attribution: string;
  notes: string;
}

/** The `요약` lines of one dataset: label suffix → value, in the language of the result. */
export function datasetFactLines(facts: DatasetFacts, lang: 'ko' | 'en'): [string, string][] {
  const en = lang === 'en';
  const missing = ADMIN_LEVELS.filter((l) => !facts.levels.includes(l));
  const levels = facts.levels.map((l) => ADMIN_LEVEL_LABELS[l]).join(' · ');
  // Said once here rather than left for users to guess from empty columns.
  const absent = missing.map((l) =>
    en ? `no ${ADMIN_LEVEL_LABELS[l]} level in this dataset` : `${ADMIN_LEVEL_LABELS[l]} 단계 없음 (no ${ADMIN_LEVEL_LABELS[l]} level in this dataset)`,
  );
  const lines: [string, string][] = [
    [en ? 'effective date' : '기준일', facts.effectiveDate ?? (en ? 'unknown' : '알 수 없음')],
    [
      en ? 'boundaries' : '경계',
      facts.simplified
        ? en
          ? 'simplified (a first answer; points near a boundary may get the neighbouring area)'
          : '간소화된 경계 (simplified: 경계선 근처의 점은 이웃 지역으로 나올 수 있음)'
        : en
          ? 'as imported (full detail)'
          : '가져온 그대로 (full detail)',
    ],
    [en ? 'levels' : '단계', [levels, ...absent].join('; ')],
  ];
  if (facts.attribution) lines.push([en ? 'source' : '출처', facts.attribution]);
  if (facts.notes) lines.push([en ? 'notes' : '참고', facts.notes]);
  return lines;
}
