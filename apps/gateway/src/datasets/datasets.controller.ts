import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { AnyFilesInterceptor } from '@nestjs/platform-express';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { CreateDatasetDto, DatasetDto, DatasetListDto, ErrorResponseDto, ListDatasetsQueryDto } from '@geobatch/contracts';
import { ApiKeyRoutes } from '../openapi/api-key-routes.decorator';
import { IdParam } from '../http/id-param.decorator';
import { AdminOnly, CurrentPrincipal, type ApiPrincipal } from '../auth/auth.decorators';
import { RequestId } from '../http/request-id.decorator';
import { DatasetsService, LEVEL_FIELDS, MAX_DATASET_FILES, PRESET_FILES_FIELD, type DatasetUpload } from './datasets.service';

const LEVEL_FILE = (label: string) => ({
  type: 'string' as const,
  format: 'binary',
  description: `${label} boundaries: a GeoJSON FeatureCollection or a zipped ESRI shapefile (.shp with its .dbf, .prj, .cpg).`,
});

/** Multipart form of `POST /datasets`: a file per level, or with `preset` the downloads; the text fields come from CreateDatasetDto (see openapi/). */
export const CREATE_DATASET_FORM_SCHEMA = {
  type: 'object' as const,
  properties: {
    sido: LEVEL_FILE('시도 (province)'),
    sigungu: LEVEL_FILE('시군구 (city/county/district)'),
    eupmyeondong: LEVEL_FILE('읍면동 (town/township/neighbourhood)'),
    ri: LEVEL_FILE('리 (village)'),
    [PRESET_FILES_FIELD]: {
      type: 'array' as const,
      items: { type: 'string' as const, format: 'binary' },
      maxItems: MAX_DATASET_FILES,
      description:
        'With `preset` only: the downloaded files as they came, e.g. the 도로명주소 전자지도 구역의 도형 zips (one per 시도, or the national one) ' +
        'or one `HangJeongDong_verYYYYMMDD.geojson`. The layers, fields, coordinate system, encoding and version are the preset\'s.',
    },
  },
  'x-form-model': 'CreateDatasetDto',
};

const DATASET_EXAMPLE = {
  id: '0b6f3c1e-7d0a-4c55-9a59-3f3d8f3f2a10',
  name: 'kostat',
  version: '2018',
  effectiveDate: '2018-12-24',
  levels: ['sido', 'sigungu', 'eupmyeondong'],
  featureCounts: { sido: 17, sigungu: 250, eupmyeondong: 3504 },
  attribution: '통계청 통계지리정보서비스(SGIS)',
  isDefault: true,
  shared: true,
  createdAt: '2025-01-31T09:00:00.000Z',
  superseded: false,
  supersededAt: null,
};

const UUID_PARAM = { name: 'id', format: 'uuid', description: 'Dataset (generation) id, as listed by `GET /datasets`.' } as const;

@ApiKeyRoutes('datasets')
@ApiExtraModels(CreateDatasetDto, DatasetDto, DatasetListDto)
@Controller('datasets')
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Get()
  @ApiOperation({
    summary: 'List the boundary datasets',
    description: 'Shared datasets and those of the calling key, current generations by name; `all=true` adds the superseded ones.',
  })
  @ApiOkResponse({ type: DatasetListDto, example: { items: [DATASET_EXAMPLE] } })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: '`all` is neither `true` nor `false`.' })
  list(@CurrentPrincipal() principal: ApiPrincipal, @Query() query: ListDatasetsQueryDto): Promise<DatasetListDto> {
    return this.datasets.list(principal, query.all === 'true');
  }

  @Get(':id')
  @ApiOperation({ summary: 'One dataset generation, superseded or not' })
  @ApiParam(UUID_PARAM)
  @ApiOkResponse({ type: DatasetDto, example: DATASET_EXAMPLE })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such dataset (or not one this key may see).' })
  get(@IdParam() id: string, @CurrentPrincipal() principal: ApiPrincipal): Promise<DatasetDto> {
    return this.datasets.get(id, principal);
  }

  @Post()
  @AdminOnly()
  @HttpCode(HttpStatus.CREATED)
  @UseInterceptors(AnyFilesInterceptor())
  @ApiOperation({
    summary: 'Import a boundary dataset (admin key)',
    description:
      `One file per level in the fields ${LEVEL_FIELDS.join(', ')} (any subset): GeoJSON, or a zipped shapefile whose .prj ` +
      '(or `srid`) gives the coordinate system and whose .cpg (or `encoding`) the attribute encoding, e.g. the 도로명주소 ' +
      '전자지도 TL_SCCO_* files (EPSG:5179, CP949). Geometry is repaired and subdivided for fast lookup. Importing an ' +
      'existing name and version replaces it as a new generation (a new id); jobs already running keep the old one. ' +
      'The import is one transaction: a refused file changes nothing. With `preset` the downloads go in the `files` field ' +
      'and need no other field: `juso` makes two datasets (법정 `juso`, 행정 `juso-hjd`, one transaction each, every file ' +
      'checked first), the others one; the answer is then a list.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: CREATE_DATASET_FORM_SCHEMA })
  @ApiCreatedResponse({
    description: 'Imported: the dataset, or with `preset` the list of the datasets made (`{ "items": [...] }`).',
    schema: { oneOf: [{ $ref: getSchemaPath(DatasetDto) }, { $ref: getSchemaPath(DatasetListDto) }] },
    example: DATASET_EXAMPLE,
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'No file, or one in an unknown field; a broken zip, no .shp, an unknown or unsupported coordinate system, an unknown ' +
      'encoding, an empty layer, a code or name field that is not there; with a preset, an archive with none of its layers ' +
      'or a code named differently in two files; invalid form fields. The message names the file.',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The key is not an admin key.' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'A file is larger than MAX_DATASET_UPLOAD_BYTES.' })
  create(
    @UploadedFiles() files: DatasetUpload[] | undefined,
    @Body() fields: CreateDatasetDto,
    @CurrentPrincipal() principal: ApiPrincipal,
    @RequestId() requestId: string | undefined,
  ): Promise<DatasetDto | DatasetListDto> {
    return this.datasets.create(files ?? [], fields, principal, requestId);
  }

  @Delete(':id')
  @AdminOnly()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a dataset generation with its polygons (admin key)', description: 'Refused while a job that has not ended is pinned to it.' })
  @ApiParam(UUID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The key is not an admin key.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such dataset.' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A queued or running job is pinned to it.' })
  async delete(
    @IdParam() id: string,
    @CurrentPrincipal() principal: ApiPrincipal,
    @RequestId() requestId: string | undefined,
  ): Promise<void> {
    await this.datasets.delete(id, principal, requestId);
  }
}
