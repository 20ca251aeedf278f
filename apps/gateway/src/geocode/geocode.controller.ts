import { ApiKeyRoutes } from '../openapi/api-key-routes.decorator';
import { CurrentPrincipal, type ApiPrincipal } from '../auth/auth.decorators';
import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiGatewayTimeoutResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto, GeocodeRequestDto, GeocodeResponseDto } from '@geobatch/contracts';
import { RequestId } from '../http/request-id.decorator';
import { GeocodeService } from './geocode.service';

const REQUEST_EXAMPLES = {
  simple: {
    summary: 'Two points in WGS84, default dataset',
    value: { points: [{ id: 'gangnam', x: 127.0276, y: 37.4979 }, { id: 'city-hall', x: 126.978, y: 37.5665 }] },
  },
  datasets: {
    summary: 'Text coordinates in EPSG:5179, two datasets, no nearest fallback',
    value: { points: [{ x: '955945.6', y: '1945547.3' }], crs: 'EPSG:5179', datasets: ['kostat@2018', 'admdong'], nearestM: 0 },
  },
};

const RESPONSE_EXAMPLE = {
  crs: 'EPSG:4326',
  nearestM: 200,
  datasets: [{ id: '0b6f3c1e-7d0a-4c55-9a59-3f3d8f3f2a10', name: 'kostat', version: '2018', label: 'kostat@2018' }],
  results: [
    {
      n: 1,
      id: 'gangnam',
      matches: [
        {
          status: 'OK',
          sido: { code: '11', name: '서울특별시' },
          sigungu: { code: '11230', name: '강남구' },
          eupmyeondong: { code: '1123064', name: '역삼1동' },
        },
      ],
    },
    { n: 2, id: 'sea', matches: [{ status: 'NOT_FOUND', note: '경계 밖 (outside every boundary)' }] },
  ],
};

@ApiKeyRoutes('geocode')
@Controller('geocode')
export class GeocodeController {
  constructor(private readonly geocoder: GeocodeService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Look up to 10,000 points at once, synchronously',
    description:
      'Answers with the administrative areas of each point, one match per dataset, by the same rules as a job ' +
      '(status `OK`, `NEAREST`, `SWAPPED`, `PARTIAL`, `NOT_FOUND` or `INVALID`, with a note). A bad coordinate makes that point ' +
      '`INVALID`, not the request. The request goes to a geocoder over Kafka; for more points, submit a job.',
  })
  @ApiBody({ type: GeocodeRequestDto, examples: REQUEST_EXAMPLES })
  @ApiOkResponse({ type: GeocodeResponseDto, description: 'One result per point, in request order.', example: RESPONSE_EXAMPLE })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Not a JSON object; no points or more than 10,000; a malformed point, crs, datasets or nearestM; an unknown dataset.',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The JSON body is larger than 16 MB.' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The broker or the boundary database is unavailable.' })
  @ApiGatewayTimeoutResponse({ type: ErrorResponseDto, description: 'No geocoder answered within GEOCODE_TIMEOUT_MS (30 s by default).' })
  geocode(@Body() body: GeocodeRequestDto, @CurrentPrincipal() caller: ApiPrincipal, @RequestId() requestId: string | undefined): Promise<GeocodeResponseDto> {
    return this.geocoder.geocode(body, requestId, caller.keyId);
  }
}
