import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  StreamableFile,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiExtraModels,
  ApiGoneResponse,
  ApiInternalServerErrorResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { CreateJobDto, ErrorResponseDto, JobCreatedDto, JobPreviewDto, JobStatusDto, PreviewJobDto } from '@geobatch/contracts';
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

@ApiTags('jobs')
@ApiExtraModels(CreateJobDto, PreviewJobDto, ErrorResponseDto)
@ApiInternalServerErrorResponse({ type: ErrorResponseDto, description: 'Unexpected failure; details are only in the logs.' })
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Upload a CSV or XLSX of coordinates and start a job',
    description:
      'The upload is stored and read (type from its content, CSV encoding and delimiter detected); the sheets, the x/y ' +
      'columns (given, or detected from the header names and the values) and the dataset are worked out before the job is ' +
      'accepted, so a job never fails later for want of a column. Rows are then published in the background; poll `GET /jobs/{id}`. ' +
      'Try `POST /jobs/preview` first to see what would be read.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: CREATE_JOB_FORM_SCHEMA })
  @ApiAcceptedResponse({ type: JobCreatedDto, description: 'Job accepted; status is `queued`.' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'No file; not a CSV or XLSX (e.g. an old .xls), damaged, or beyond a safety limit (zip bomb); empty; unknown sheet; ' +
      'x/y columns not found or not detectable; unknown dataset; or invalid form fields.',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is larger than MAX_UPLOAD_BYTES.' })
  create(
    @UploadedFile() file: StoredUpload | undefined,
    @Body() fields: unknown,
    @RequestId() requestId: string | undefined,
  ): Promise<JobCreatedDto> {
    return this.jobs.create(file, fields, requestId);
  }

  @Post('preview')
  @HttpCode(HttpStatus.OK)
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
  preview(@UploadedFile() file: StoredUpload | undefined, @Body() fields: unknown): Promise<JobPreviewDto> {
    return this.jobs.preview(file, fields);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status and row counts of a job' })
  @ApiParam(UUID_PARAM)
  @ApiOkResponse({ type: JobStatusDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job.' })
  status(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobStatusDto> {
    return this.jobs.status(id);
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
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job.' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The job has not completed (the message gives its status).' })
  @ApiGoneResponse({ type: ErrorResponseDto, description: 'The job completed but its workbook is no longer stored.' })
  async result(@Param('id', new ParseUUIDPipe()) id: string): Promise<StreamableFile> {
    const download = await this.jobs.result(id);
    return new StreamableFile(download.stream, {
      type: download.format === 'csv' ? CSV_MIME : XLSX_MIME,
      length: download.size,
      disposition: attachmentDisposition(download.fileName, download.format),
    });
  }
}
