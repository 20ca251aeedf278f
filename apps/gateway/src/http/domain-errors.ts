import { BadRequestException, type HttpException } from '@nestjs/common';
import { BoundaryImportError } from '@geobatch/geo-query';
import { ColumnResolutionError, SheetSelectionError, SpreadsheetFormatError } from '@geobatch/util-spreadsheet';
import { UnknownDatasetError } from '../datasets/dataset-resolver.service';
import { DatedSeriesError } from '../jobs/dated-series';

/**
 * The HTTP answer to an error of the domain, whose message is written for the user; null for any
 * other error (a bug or an outage, which stays a bare 500).
 */
export function httpExceptionOf(error: unknown): HttpException | null {
  // A sheet that is not there names the `sheet` field; anything else wrong with the upload names `file`.
  if (error instanceof SheetSelectionError) return new BadRequestException(error.message);
  if (error instanceof SpreadsheetFormatError) return new BadRequestException(`file: ${error.message}`);
  if (error instanceof ColumnResolutionError || error instanceof UnknownDatasetError || error instanceof DatedSeriesError) {
    return new BadRequestException(error.message);
  }
  if (error instanceof BoundaryImportError) return new BadRequestException(`경계 파일을 가져올 수 없습니다 (import refused: ${error.message})`);
  return null;
}
