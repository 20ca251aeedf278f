import { Type } from 'class-transformer';
import { ArrayMaxSize, buildMessage, IsArray, IsString, Matches, ValidateBy, ValidateNested, type ValidationArguments, type ValidationOptions } from 'class-validator';

/*
 * Decorator stacks the events repeat, each composed into one decorator. Only the events use them:
 * the HTTP DTOs keep their stacks written out, since the Swagger plugin reads the constraints
 * (minimum, maxItems, pattern, …) off the literal class-validator decorators.
 */

/** Applies `decorators` as if they were stacked above the property in this order (TypeScript applies a stack bottom-up). */
export function composeDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (let i = decorators.length - 1; i >= 0; i--) decorators[i](target, key);
  };
}

/** An EPSG code such as `EPSG:4326`. */
export function IsEpsgCode(): PropertyDecorator {
  return composeDecorators(IsString(), Matches(/^EPSG:\d{4,5}$/));
}

/** One nested object of class `type`, validated as such. */
export function IsNested(type: () => new () => object): PropertyDecorator {
  return composeDecorators(ValidateNested(), Type(type));
}

/** An array (of at most `maxSize` entries when given) of nested objects of class `type`, each validated as such. */
export function IsNestedArray(type: () => new () => object, maxSize?: number): PropertyDecorator {
  return composeDecorators(IsArray(), ...(maxSize === undefined ? [] : [ArrayMaxSize(maxSize)]), ValidateNested({ each: true }), Type(type));
}

/**
 * A custom check as a class-validator decorator, its message `<property> must <mustBe>` (prefixed
 * with "each value in" under `each`), so every hand-written check reads and reports alike.
 */
export function Satisfies(
  name: string,
  validate: (value: unknown, args?: ValidationArguments) => boolean,
  mustBe: string,
  options?: ValidationOptions,
  constraints?: unknown[],
): PropertyDecorator {
  return ValidateBy(
    { name, constraints, validator: { validate, defaultMessage: buildMessage((each) => `${each}$property must ${mustBe}`, options) } },
    options,
  );
}
