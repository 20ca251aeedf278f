import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiExtraModels,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiProduces,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  CreateJobDto,
  ErrorResponseDto,
  JobCreatedDto,
  JobListDto,
  JobPreviewDto,
  JobStatusDto,
  JobSummaryDto,
  ListJobsQueryDto,
  PreviewJobDto,
} from '@geobatch/contracts';
import { ApiKeyRoutes } from '../openapi/api-key-routes.decorator';
import { IdParam } from '../http/id-param.decorator';
import { CurrentPrincipal, type ApiPrincipal } from '../auth/auth.decorators';
import { UploadRoute } from '../auth/rate-limit.guard';
import { RequestId } from '../http/request-id.decorator';
import { attachmentDisposition } from './content-disposition';
import type { StoredUpload } from './hashing-disk-storage';
import { JobsService } from './jobs.service';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_MIME = 'text/csv; charset=utf-8';

const FILE_PART = {
  type: 'string' as const,
  format: 'binary',
  description:
    'CSV (UTF-8 with or without BOM, CP949/EUC-KR or UTF-16; `,` `;` tab or `|`) or XLSX workbook, with a header row. ' +
    'The type is decided by the content, not the name; `.xls` and other binary files are refused.',
};

/**
 * Multipart form of `POST /jobs`. Only the binary `file` part is spelled out here: the text
 * fields are merged in from the CreateJobDto schema when the document is built (see openapi/).
 */
export const CREATE_JOB_FORM_SCHEMA = {
  type: 'object' as const,
  required: ['file'],
  properties: { file: FILE_PART },
  'x-form-model': 'CreateJobDto',
};

/** Multipart form of `POST /jobs/preview`: the file and the PreviewJobDto fields. */
export const PREVIEW_FORM_SCHEMA = {
  type: 'object' as const,
  required: ['file'],
  properties: { file: FILE_PART },
  'x-form-model': 'PreviewJobDto',
};

const UUID_PARAM = { name: 'id', format: 'uuid', description: 'Job id returned by `POST /jobs`.' } as const;

@ApiKeyRoutes('jobs')
@ApiExtraModels(CreateJobDto, PreviewJobDto)
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @UploadRoute()
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Upload a CSV or XLSX of coordinates and start a job',
    description:
      'The upload is stored and read (type from its content, CSV encoding and delimiter detected); the sheets, the x/y ' +
      'columns (given, or detected from the header names and the values) and the dataset are worked out before the job is ' +
      'accepted, so a job never fails later for want of a column. Rows are then published in the background; poll `GET /jobs/{id}`. ' +
      'Try `POST /jobs/preview` first to see what would be read. The job belongs to the API key: other keys cannot see it. ' +
      'Sending the same file (same content and name) with the same options again answers the existing job with 200 and ' +
      '`deduplicated: true`, unless that job failed, was cancelled or expired, or `force=true` is sent.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: CREATE_JOB_FORM_SCHEMA })
  @ApiAcceptedResponse({ type: JobCreatedDto, description: 'Job accepted; status is `queued`.' })
  @ApiOkResponse({ type: JobCreatedDto, description: 'This key sent the same file with the same options before: that job, with `deduplicated: true`.' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'No file; not a CSV or XLSX (e.g. an old .xls), damaged, or beyond a safety limit (zip bomb); empty; unknown sheet; ' +
      'x/y columns not found or not detectable; unknown dataset; or invalid form fields.',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is larger than MAX_UPLOAD_BYTES.' })
  async create(
    @UploadedFile() file: StoredUpload | undefined,
    @Body() fields: CreateJobDto,
    @RequestId() requestId: string | undefined,
    @CurrentPrincipal() principal: ApiPrincipal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobCreatedDto> {
    const created = await this.jobs.create(file, fields, requestId, principal.keyId);
    if (created.deduplicated) res.status(HttpStatus.OK);
    return created;
  }

  @Get()
  @ApiOperation({
    summary: "List this key's jobs, newest first",
    description: 'Pages of `limit` jobs (default 20, at most 100); the next page is `?before=<next>` (or `offset`). Each job as `GET /jobs/{id}` reports it, without the options.',
  })
  @ApiOkResponse({ type: JobListDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: '`limit` outside 1–100, `offset` negative, or `before` not a UUID.' })
  list(@Query() query: ListJobsQueryDto, @CurrentPrincipal() principal: ApiPrincipal): Promise<JobListDto> {
    return this.jobs.list(principal.keyId, query);
  }

  @Post('preview')
  @HttpCode(HttpStatus.OK)
  @UploadRoute()
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Preview how a file would be read, without starting a job',
    description:
      'Returns the detected type, encoding and delimiter, the sheets, the header and first 20 rows of a sheet (the one asked ' +
      'for, else the first with coordinate columns), and the suggested x/y columns and coordinate system. The file is not kept.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: PREVIEW_FORM_SCHEMA })
  @ApiOkResponse({ type: JobPreviewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'No file; not a CSV or XLSX; damaged or beyond a safety limit; unknown sheet.' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is larger than MAX_UPLOAD_BYTES.' })
  preview(@UploadedFile() file: StoredUpload | undefined, @Body() fields: PreviewJobDto): Promise<JobPreviewDto> {
    return this.jobs.preview(file, fields);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status and row counts of a job' })
  @ApiParam(UUID_PARAM)
  @ApiOkResponse({ type: JobStatusDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job, or a job of another API key.' })
  status(@IdParam() id: string, @CurrentPrincipal() principal: ApiPrincipal): Promise<JobStatusDto> {
    return this.jobs.status(id, principal.keyId);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a queued or running job',
    description:
      'The job becomes `cancelled`: no more rows are published, it never completes, and its upload, result and row ' +
      'results are deleted. `JobCancelledEventV1` is announced on the jobs topic.',
  })
  @ApiParam(UUID_PARAM)
  @ApiOkResponse({ type: JobSummaryDto, description: 'The job, now `cancelled`.' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job, or a job of another API key.' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The job has ended already (completed, failed, cancelled or expired).' })
  cancel(
    @IdParam() id: string,
    @CurrentPrincipal() principal: ApiPrincipal,
    @RequestId() requestId: string | undefined,
  ): Promise<JobSummaryDto> {
    return this.jobs.cancel(id, principal.keyId, requestId);
  }

  @Get(':id/result')
  @ApiOperation({
    summary: 'Download the result workbook',
    description:
      'The input rows with the administrative address columns appended: an XLSX named `<input>_주소변환.xlsx` (one sheet per ' +
      'input sheet, then `문제 행` and `요약`), or with `format=csv` a UTF-8 CSV named `<input>_주소변환.csv`.',
  })
  @ApiParam(UUID_PARAM)
  @ApiProduces(XLSX_MIME, CSV_MIME, 'application/json')
  @ApiOkResponse({
    description: 'The workbook (or CSV).',
    content: { [XLSX_MIME]: { schema: { type: 'string', format: 'binary' } }, [CSV_MIME]: { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job, or a job of another API key.' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The job has not completed (the message gives its status).' })
  @ApiGoneResponse({ type: ErrorResponseDto, description: 'The job expired (RETENTION_DAYS after it ended), or its workbook is no longer stored.' })
  async result(@IdParam() id: string, @CurrentPrincipal() principal: ApiPrincipal): Promise<StreamableFile> {
    const download = await this.jobs.result(id, principal.keyId);
    return new StreamableFile(download.stream, {
      type: download.format === 'csv' ? CSV_MIME : XLSX_MIME,
      length: download.size,
      disposition: attachmentDisposition(download.fileName, download.format),
    });
  }
}
