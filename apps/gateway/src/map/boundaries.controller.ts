import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
} from '@nestjs/swagger';
import { BoundaryCollectionDto, BoundariesQueryDto, ErrorResponseDto } from '@geobatch/contracts';
import { ApiKeyRoutes } from '../openapi/api-key-routes.decorator';
import { CurrentPrincipal, type ApiPrincipal } from '../auth/auth.decorators';
import { IdParam } from '../http/id-param.decorator';
import { BoundariesService } from './boundaries.service';
import { parseBbox } from './boundary-features';

@ApiKeyRoutes('datasets')
@Controller('datasets')
export class BoundariesController {
  constructor(private readonly boundaries: BoundariesService) {}

  @Get(':id/boundaries')
  @ApiOperation({
    summary: "A dataset's outlines for a map (simplified GeoJSON)",
    description:
      'One level\'s areas as a GeoJSON FeatureCollection in WGS84, each feature with its `code`, `name` and `bbox`: simplified ' +
      '(ST_SimplifyPreserveTopology, 시도 about 500 m, 시군구 about 300 m), tiny islands and slivers left out, 3 decimals. ' +
      'For drawing only, never for lookups. `bbox` keeps the areas whose box meets it. Made once per dataset generation.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'Dataset (generation) id, e.g. `datasetId` of `GET /jobs/{id}/points`.' })
  @ApiOkResponse({ type: BoundaryCollectionDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID, `level` is not `sido` or `sigungu`, or `bbox` is malformed.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such dataset (or not one this key may see).' })
  get(@IdParam() id: string, @Query() query: BoundariesQueryDto, @CurrentPrincipal() principal: ApiPrincipal): Promise<BoundaryCollectionDto> {
    return this.boundaries.boundaries(id, principal.keyId, query.level ?? 'sido', parseBbox(query.bbox));
  }
}
