import { BadRequestException, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';

/** One readable line per invalid field, e.g. `lang: must be one of the following values: ko, en`. */
export function validationMessage(errors: ValidationError[]): string {
  return errors
    .map((e) => {
      if (e.constraints?.whitelistValidation) return `${e.property}: 알 수 없는 필드입니다 (unknown field)`;
      if (e.value === '') return `${e.property}: 비어 있습니다 (empty: leave the field out instead)`;
      const messages = Object.values(e.constraints ?? {});
      // A check of a list's elements names each element itself (`points.3.x: …`, IsGeocodePoints).
      if (messages.length === 1 && messages[0].startsWith(`${e.property}.`)) return messages[0];
      return `${e.property}: ${messages.join(', ')}`;
    })
    .join('; ');
}

/**
 * A multipart form body: multer (behind every FileInterceptor) builds `req.body` with
 * `Object.create(null)`, while a JSON body (JSON.parse) and an object literal have Object's prototype.
 * validation-pipe.spec.ts pins this down with a real multipart request.
 */
function isMultipartFields(value: object): boolean {
  return Object.getPrototypeOf(value) === null;
}

/**
 * An empty form field means "not given": a browser form, and Swagger UI's "Try it out" (whose
 * "Send empty value" is on by default), send a field left empty as `''`, and a form cannot leave
 * a field out. So '' (and '' among a repeated field's values) is dropped before the DTO is
 * checked, for every multipart route at once. A JSON body is written by a program, which can
 * leave a key out: its `''` stays a clear 400 (`x: empty: leave the field out instead`).
 */
export function dropEmptyFormFields(fields: object): Record<string, unknown> {
  const kept: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(fields)) {
    if (!Array.isArray(value)) {
      if (value !== '') kept[name] = value;
      continue;
    }
    const given = value.filter((v) => v !== '');
    // As if only the filled-in occurrences had been sent: one of them arrives as a plain value.
    if (given.length > 0) kept[name] = given.length === 1 && value.length > 1 ? given[0] : given;
  }
  return kept;
}

/** A JSON body that is an array (or a bare value) has no fields to check: say so rather than `0: unknown field`. */
class GatewayValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const wholeBody = metadata.type === 'body' && metadata.data === undefined && this.toValidate(metadata);
    if (wholeBody && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new BadRequestException('요청 본문은 JSON 객체여야 합니다 (the body must be a JSON object)');
    }
    const fields = wholeBody && isMultipartFields(value as object) ? dropEmptyFormFields(value as object) : value;
    return super.transform(fields, metadata);
  }
}

/**
 * The gateway's one request validation: every `@Body()`/`@Query()` DTO is transformed (multipart
 * fields arrive as strings; the DTOs convert them) and checked; an unknown field is refused, so a
 * misspelt option never goes silently unused.
 */
export function createValidationPipe(): ValidationPipe {
  return new GatewayValidationPipe({
    transform: true,
    // Decorators in a group (contracts' OPENAPI_ONLY) only document a bound for Swagger.
    strictGroups: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new BadRequestException(validationMessage(errors)),
  });
}
