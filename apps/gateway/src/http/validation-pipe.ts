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

/** A JSON body that is an array (or a bare value) has no fields to check: say so rather than `0: unknown field`. */
class GatewayValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const wholeBody = metadata.type === 'body' && metadata.data === undefined && this.toValidate(metadata);
    if (wholeBody && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new BadRequestException('요청 본문은 JSON 객체여야 합니다 (the body must be a JSON object)');
    }
    return super.transform(value, metadata);
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
