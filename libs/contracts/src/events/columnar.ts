import type { ValidationArguments, ValidationOptions } from 'class-validator';
import { Satisfies } from './composed.validator';

/**
 * Validators for column arrays (one entry per row). Chunks travel as columns rather than one
 * object per row: a nested class per row made validation the pipeline's slowest step (about 20k
 * rows/s), while a flat array is checked in one cheap loop.
 */

/** Every entry is null or a string of at most `maxLength` characters. */
export function IsNullableStringArray(maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return Satisfies(
    'isNullableStringArray',
    (value: unknown) => Array.isArray(value) && value.every((v) => v === null || (typeof v === 'string' && v.length <= maxLength)),
    `be an array of null or strings of at most ${maxLength} characters`,
    options,
  );
}

/** Every entry is null or a finite number. */
export function IsNullableNumberArray(options?: ValidationOptions): PropertyDecorator {
  return Satisfies(
    'isNullableNumberArray',
    (value: unknown) => Array.isArray(value) && value.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v))),
    'be an array of null or finite numbers',
    options,
  );
}

/** Every entry is an integer from `min` to `max`. */
export function IsIntArray(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return Satisfies(
    'isIntArray',
    (value: unknown) => Array.isArray(value) && value.every((v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max),
    `be an array of integers from ${min} to ${max}`,
    options,
  );
}

/** The array has exactly as many entries as the sibling array `column` (e.g. one per row of `n`). */
export function HasLengthOf(column: string, options?: ValidationOptions): PropertyDecorator {
  const sameLength = (value: unknown, args?: ValidationArguments) => {
    const other = (args?.object as Record<string, unknown> | undefined)?.[column];
    return Array.isArray(value) && Array.isArray(other) && value.length === other.length;
  };
  return Satisfies('hasLengthOf', sameLength, `have one entry per entry of ${column}`, options, [column]);
}

/** Every entry is one of `values` (class-validator's `IsEnum` with `each` re-reads the enum per entry). */
export function IsEachIn(values: readonly string[], options?: ValidationOptions): PropertyDecorator {
  const allowed = new Set<unknown>(values);
  return Satisfies(
    'isEachIn',
    (value: unknown) => Array.isArray(value) && value.every((v) => allowed.has(v)),
    `be an array of ${values.join(', ')}`,
    options,
    [values],
  );
}
