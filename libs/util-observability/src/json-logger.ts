import type { LoggerService } from '@nestjs/common';
import type { LogLevel } from '@geobatch/util-config';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, log: 2, debug: 3, verbose: 4 };

/** Structured fields a log line may carry; `msg` is the human sentence. */
export interface LogFields {
  msg: string;
  jobId?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  requestId?: string;
  [key: string]: unknown;
}

/**
 * Nest logger that writes one JSON object per line to stdout. Pass an object with `msg` and
 * context fields (job id, topic, partition, offset, request id) to get them as JSON keys.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'log',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('verbose', message, rest);
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (RANK[level] > RANK[this.level]) return;
    // Nest passes the context as the last string argument, and for errors a stack before it.
    const strings = rest.filter((r): r is string => typeof r === 'string');
    const context = strings.length > 0 ? strings[strings.length - 1] : undefined;
    const stack = level === 'error' && strings.length > 1 ? strings[0] : undefined;
    const fields =
      message !== null && typeof message === 'object' && !(message instanceof Error)
        ? (message as Record<string, unknown>)
        : { msg: message instanceof Error ? message.message : String(message) };
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      service: this.service,
      ...(context ? { context } : {}),
      ...fields,
      ...(stack ? { stack } : {}),
      ...(message instanceof Error && message.stack ? { stack: message.stack } : {}),
    };
    this.write(JSON.stringify(line));
  }
}
