import type { LoggerService } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { KafkaContext } from '@nestjs/microservices';

/** A KafkaContext for a handler under test, counting heartbeats. */
export function fakeContext(fields: { topic: string; value?: unknown; key?: string | null; timestamp?: number; partition?: number; offset?: string }) {
  const heartbeats = { count: 0 };
  const message = {
    key: fields.key ?? null,
    value: fields.value ?? null,
    offset: fields.offset ?? '17',
    timestamp: String(fields.timestamp ?? Date.now()),
    headers: {},
  };
  const ctx = new KafkaContext([message as never, fields.partition ?? 2, fields.topic, {} as never, async () => void heartbeats.count++, {} as never]);
  return { ctx, heartbeats };
}

/** Captures Nest's static Logger output for the duration of a test; call the returned restore function afterwards. */
export function captureLogs(): { lines: Record<string, unknown>[]; restore: () => void } {
  const lines: Record<string, unknown>[] = [];
  const push = (level: string) => (m: unknown, ...rest: unknown[]) =>
    lines.push({ level, ...(typeof m === 'object' && m !== null ? (m as object) : { msg: String(m) }), context: rest.at(-1) });
  const capture: LoggerService = { log: push('log'), warn: push('warn'), error: push('error'), debug: push('debug'), verbose: push('verbose') };
  const previous = (Logger as unknown as { staticInstanceRef?: LoggerService }).staticInstanceRef;
  Logger.overrideLogger(capture);
  return { lines, restore: () => Logger.overrideLogger(previous ?? false) };
}
