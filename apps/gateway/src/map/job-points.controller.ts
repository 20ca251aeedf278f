import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
} from '@nestjs/swagger';
import { ErrorResponseDto, JobPointsDto, JobPointsQueryDto } from '@geobatch/contracts';
import { ApiKeyRoutes } from '../openapi/api-key-routes.decorator';
import { CurrentPrincipal, type ApiPrincipal } from '../auth/auth.decorators';
import { IdParam } from '../http/id-param.decorator';
import { JobPointsService } from './job-points.service';

@ApiKeyRoutes('jobs')
@Controller('jobs')
export class JobPointsController {
  constructor(private readonly points: JobPointsService) {}

  @Get(':id/points')
  @ApiOperation({
    summary: "A completed job's rows as map points",
    description:
      'Every problem row (not `OK`) first, then OK rows chosen evenly over the job, at most `limit` (20,000) in all, as ' +
      'columns: sheet, row number as in the input file, WGS84 position (converted from the job\'s `crs`; null when the row ' +
      'has none, e.g. INVALID), status, note and the 시도/시군구 (by the first dataset) as indexes into `areas`. Also the rows ' +
      'per status and a table of rows per 시도 and 시군구 over the whole job. Draw them over `GET /datasets/{datasetId}/boundaries`.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'Job id returned by `POST /jobs`.' })
  @ApiOkResponse({ type: JobPointsDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID, or `limit` is outside 1–20,000.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job, or a job of another API key.' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The job has not completed.' })
  @ApiGoneResponse({ type: ErrorResponseDto, description: 'The job expired: its rows were deleted.' })
  get(@IdParam() id: string, @Query() query: JobPointsQueryDto, @CurrentPrincipal() principal: ApiPrincipal): Promise<JobPointsDto> {
    return this.points.points(id, principal.keyId, query.limit);
  }
}
