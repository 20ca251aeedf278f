import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiInternalServerErrorResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '@geobatch/contracts';

/**
 * What every controller behind the API key documents alike: its Swagger tag, the bearer key, and the
 * answers the global guards and the exception filter give on any of its routes (401, 429, 500).
 */
export function ApiKeyRoutes(tag: string): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth(),
    ApiExtraModels(ErrorResponseDto),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No API key (`Authorization: Bearer <key>`), or a key that is not valid or was revoked.' }),
    ApiTooManyRequestsResponse({
      type: ErrorResponseDto,
      description: 'Over RATE_LIMIT_PER_MINUTE requests (uploads: UPLOAD_RATE_LIMIT_PER_MINUTE) per minute for this key; `Retry-After` says when to try again.',
    }),
    ApiInternalServerErrorResponse({ type: ErrorResponseDto, description: 'Unexpected failure; details are only in the logs.' }),
  );
}
