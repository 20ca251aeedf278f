import { IsString, MaxLength, type ValidationOptions } from 'class-validator';
import { Satisfies } from './composed.validator';

/** Longest area code and name an event may carry. */
export const AREA_CODE_MAX = 20;
export const AREA_NAME_MAX = 200;

/** One administrative area: its official code and its name. */
export class AreaV1 {
  @IsString()
  @MaxLength(AREA_CODE_MAX)
  code!: string;

  @IsString()
  @MaxLength(AREA_NAME_MAX)
  name!: string;
}

/**
 * An array of at most `maxEntries` AreaV1-shaped objects, checked in one loop: a chunk names
 * thousands of areas, and a nested class-validator pass per area was the merger's costliest check.
 */
export function IsAreaArray(maxEntries: number, options?: ValidationOptions): PropertyDecorator {
  const isArea = (a: unknown) =>
    typeof a === 'object' &&
    a !== null &&
    typeof (a as AreaV1).code === 'string' &&
    (a as AreaV1).code.length <= AREA_CODE_MAX &&
    typeof (a as AreaV1).name === 'string' &&
    (a as AreaV1).name.length <= AREA_NAME_MAX;
  return Satisfies(
    'isAreaArray',
    (value: unknown) => Array.isArray(value) && value.length <= maxEntries && value.every(isArea),
    `be an array of at most ${maxEntries} areas, each { code: string (at most ${AREA_CODE_MAX} characters), name: string (at most ${AREA_NAME_MAX}) }`,
    options,
    [maxEntries],
  );
}
