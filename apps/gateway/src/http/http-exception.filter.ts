import { STATUS_CODES } from 'node:http';
import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
  type LoggerService,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ErrorResponseDto } from '@geobatch/contracts';
import { httpExceptionOf } from './domain-errors';
import { requestIdOf } from './request-id.middleware';

/** HttpException bodies carry `message` as a string or, from validation, a list of them. */
function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

/**
 * Turns every error into an `ErrorResponseDto`. Only HttpExceptions and the domain's errors
 * (see httpExceptionOf: an unreadable upload, a column or dataset not found, …) speak to the
 * client; any other error (a driver error with SQL, a bug) becomes a bare 500 and is logged in full.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: LoggerService = new Logger(HttpExceptionFilter.name)) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = httpExceptionOf(thrown) ?? thrown;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const requestId = requestIdOf(req);
    const where = { requestId, method: req.method, path: req.originalUrl?.split('?')[0] };

    let statusCode: number;
    let message: string;
    if (exception instanceof HttpException) {
      statusCode = exception.getStatus();
      message = messageOf(exception);
      if (statusCode >= 500) this.logger.error({ msg: 'request failed', ...where, statusCode, error: message });
      else this.logger.debug?.({ msg: 'request refused', ...where, statusCode, error: message });
    } else {
      statusCode = HttpStatus.INTERNAL_SERVER_ERROR;
      message = 'internal error';
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error({ msg: 'unhandled error', ...where, error: err.message, errorName: err.name }, err.stack);
    }

    // A streamed download that breaks half-way cannot change its status any more: cut it off.
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body: ErrorResponseDto = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      message,
      ...(requestId ? { requestId } : {}),
    };
    res.status(statusCode).json(body);
  }
}
