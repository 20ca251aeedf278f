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
import { CreateJobDto, ErrorResponseDto, JobCreatedDto, JobStatusDto } from '@geobatch/contracts';
import { RequestId } from '../http/request-id.decorator';
import { attachmentDisposition } from './content-disposition';
import type { StoredUpload } from './hashing-disk-storage';
import { JobsService } from './jobs.service';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Multipart form of `POST /jobs`. Only the binary `file` part is spelled out here: the text
 * fields are merged in from the CreateJobDto schema when the document is built (see openapi/).
 */
export const CREATE_JOB_FORM_SCHEMA = {
  type: 'object' as const,
  required: ['file'],
  properties: {
    file: { type: 'string' as const, format: 'binary', description: 'CSV (UTF-8 or CP949; `,` `;` tab or `|`) with a header row.' },
  },
  'x-form-model': 'CreateJobDto',
};

const UUID_PARAM = { name: 'id', format: 'uuid', description: 'Job id returned by `POST /jobs`.' } as const;

@ApiTags('jobs')
@ApiExtraModels(CreateJobDto, ErrorResponseDto)
@ApiInternalServerErrorResponse({ type: ErrorResponseDto, description: 'Unexpected failure; details are only in the logs.' })
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Upload a CSV of coordinates and start a job',
    description:
      'The upload is stored, its header is read and the x/y columns and dataset are checked before the job is accepted. ' +
      'Rows are then published in the background; poll `GET /jobs/{id}`.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: CREATE_JOB_FORM_SCHEMA })
  @ApiAcceptedResponse({ type: JobCreatedDto, description: 'Job accepted; status is `queued`.' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'No file, unreadable or empty CSV, unknown column, unknown dataset, or invalid form fields.',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is larger than MAX_UPLOAD_BYTES.' })
  create(
    @UploadedFile() file: StoredUpload | undefined,
    @Body() fields: unknown,
    @RequestId() requestId: string | undefined,
  ): Promise<JobCreatedDto> {
    return this.jobs.create(file, fields, requestId);
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
    description: 'The input rows with the administrative address columns appended, as XLSX named `<input>_주소변환.xlsx`.',
  })
  @ApiParam(UUID_PARAM)
  @ApiProduces(XLSX_MIME, 'application/json')
  @ApiOkResponse({ description: 'The workbook.', content: { [XLSX_MIME]: { schema: { type: 'string', format: 'binary' } } } })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job.' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The job has not completed (the message gives its status).' })
  @ApiGoneResponse({ type: ErrorResponseDto, description: 'The job completed but its workbook is no longer stored.' })
  async result(@Param('id', new ParseUUIDPipe()) id: string): Promise<StreamableFile> {
    const download = await this.jobs.result(id);
    return new StreamableFile(download.stream, {
      type: XLSX_MIME,
      length: download.size,
      disposition: attachmentDisposition(download.fileName),
    });
  }
}
