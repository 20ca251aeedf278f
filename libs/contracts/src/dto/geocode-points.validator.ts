import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { MAX_GEOCODE_POINTS } from '../events/geocode.event';
import { MAX_DATE_CHARS, parseRowDate } from '../row-date';

/** At most this many point problems are listed in one message. */
const MAX_POINT_PROBLEMS = 20;
const MAX_TEXT_LENGTH = 200;

/**
 * Decorators that only document a bound for the Swagger plugin (which reads their literal
 * arguments): the gateway's ValidationPipe runs with `strictGroups`, so it skips this group and
 * the bound is checked, with a readable message, by IsGeocodePoints.
 */
export const OPENAPI_ONLY: ValidationOptions = { groups: ['openapi-only'] };

function isCoordinate(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_TEXT_LENGTH);
}

function isPointId(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_TEXT_LENGTH);
}

function isReadableDate(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.length <= MAX_DATE_CHARS && parseRowDate(v).ok);
}

/** What is wrong with one point, each problem named by its path (`points.3.x: …`). */
function pointProblems(p: unknown, path: string): string[] {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return [`${path}: must be an object {x, y, id?}`];
  const { x, y, id, date } = p as Record<string, unknown>;
  const problems: string[] = [];
  if (!isCoordinate(x)) problems.push(`${path}.x: must be a number or a string of at most ${MAX_TEXT_LENGTH} characters`);
  if (!isCoordinate(y)) problems.push(`${path}.y: must be a number or a string of at most ${MAX_TEXT_LENGTH} characters`);
  if (!isPointId(id)) problems.push(`${path}.id: must be a number or a string of at most ${MAX_TEXT_LENGTH} characters`);
  if (!isReadableDate(date)) {
    problems.push(
      `${path}.date: 날짜를 읽을 수 없습니다 (unreadable date ${JSON.stringify(date).slice(0, 60)}; use YYYY-MM-DD, YYYYMMDD, YYYY.MM.DD, YYYY/MM/DD or DD-MON-YY, optionally with a time)`,
    );
  }
  return problems;
}

/**
 * The message for the points of a request, or null when they are fine. A message about the whole
 * list reads after `points: `; one about its elements names each element's path itself.
 */
export function geocodePointsProblem(points: unknown, property = 'points'): string | null {
  if (!Array.isArray(points)) return `점 목록이 필요합니다 (${property} must be an array of {x, y, id?})`;
  if (points.length === 0) return `점이 하나 이상 필요합니다 (${property} must contain at least 1 element)`;
  if (points.length > MAX_GEOCODE_POINTS) {
    return `한 번에 최대 ${MAX_GEOCODE_POINTS.toLocaleString('en')}개 (at most ${MAX_GEOCODE_POINTS} points per request, got ${points.length}; split the request or submit a job)`;
  }
  const problems: string[] = [];
  for (let i = 0; i < points.length && problems.length < MAX_POINT_PROBLEMS; i++) problems.push(...pointProblems(points[i], `${property}.${i}`));
  return problems.length > 0 ? problems.join('; ') : null;
}

/**
 * The points of `POST /geocode`, checked in one pass: class-validator's `@ValidateNested` takes
 * 100–400 ms for 10,000 nested objects, this about a millisecond.
 */
export function IsGeocodePoints(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isGeocodePoints',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => geocodePointsProblem(value, args?.property) === null,
        defaultMessage: (args?: ValidationArguments) => geocodePointsProblem(args?.value, args?.property) ?? '',
      },
    },
    options,
  );
}
