import type { Logger } from '@nestjs/common';
import type { KafkaContext } from '@nestjs/microservices';
import { decodeEvent, EventDecodeError } from '@geobatch/contracts';
import { answersWithin, isPermanent, withRetries, type RetryPolicy } from '@geobatch/util-retry';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import { keepAlive } from './keep-alive';
import { kafkaLogFields } from './kafka-log-fields';

/** The retry knobs of a consumer, from the app's validated config (never set anywhere else). */
export interface ConsumerRetrySettings {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the first retry; doubled for each further one (util-retry caps it). */
  backoffMs: number;
  /** kafkajs heartbeats while one message is worked on, so a long wait keeps the partition. */
  heartbeatEveryMs: number;
}

/**
 * Resolves when the dependency the work needs (the database) answers now, rejects (or hangs) when
 * it does not. Tells an outage (wait it out) from a message that fails on its own (give up on it).
 */
export type OutageProbe = () => Promise<unknown>;

/** How long the probe may take before the dependency counts as down. */
const PROBE_TIMEOUT_MS = 5_000;

/** One piece of retried work on a message. */
export interface RetriedWork<T> {
  work: () => Promise<T>;
  /** Called with the last error when no retry can help: a permanent error, or a failure while the probe answers. */
  giveUp: (error: Error) => Promise<T>;
  /** The handler's logger and fields (jobId, sheet, chunk, …), so the retry logs read as the handler's own. */
  logger: Logger;
  fields?: Record<string, unknown>;
  /** Logged (warn) before each wait. */
  retryMsg: string;
  /** Logged (error) when the error is thrown back to kafkajs because the dependency is down. */
  outageMsg?: string;
  /**
   * `throw` (default): an outage is thrown back to kafkajs, which redelivers the message, so nothing
   * is committed unfinished. `give-up`: request-response work, where nobody redelivers: give up at once.
   */
  onOutage?: 'throw' | 'give-up';
  /** No retry that could not start before this time (ms since the epoch). */
  deadline?: number;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * The one way a Kafka handler of this repository consumes a message: decode it into its contract
 * event (an undecodable one is parked on the dead-letter topic and the partition moves on), then do
 * its work with one retry policy, heartbeating meanwhile; when the retries run out, one outage probe
 * decides between throwing the message back to kafkajs (the database is down: wait it out) and the
 * handler's give-up hook (the message fails on its own: dead-letter it, stand in a result, fail the job).
 */
export class ConsumerSkeleton {
  constructor(
    private readonly deadLetters: DeadLetterPublisher,
    readonly settings: Readonly<ConsumerRetrySettings>,
    private readonly probe?: OutageProbe,
  ) {}

  /**
   * The payload as `cls`, or null when it does not decode: then it has been dead-lettered and
   * `onUndecodable` (what can still be salvaged from it) has run.
   */
  async decode<T extends object>(
    cls: new () => T,
    payload: unknown,
    ctx: KafkaContext,
    onUndecodable?: (error: EventDecodeError) => Promise<void>,
  ): Promise<T | null> {
    try {
      return decodeEvent(cls, payload);
    } catch (e) {
      // A poison message must not block the partition: park it and move on.
      if (!(e instanceof EventDecodeError)) throw e;
      await this.deadLetter(ctx, e);
      await onUndecodable?.(e);
      return null;
    }
  }

  /** Parks the message in hand on the dead-letter topic with the error. */
  deadLetter(ctx: KafkaContext, error: Error): Promise<void> {
    return this.deadLetters.publish(ctx, error);
  }

  /** Runs `work` while heartbeating the consumer every `heartbeatEveryMs`. */
  async heartbeating<T>(ctx: KafkaContext, work: () => Promise<T>): Promise<T> {
    const stop = keepAlive(ctx.getHeartbeat(), this.settings.heartbeatEveryMs);
    try {
      return await work();
    } finally {
      stop();
    }
  }

  /** Runs the work with the retry policy and the outage probe (see the class comment), heartbeating throughout. */
  retrying<T>(ctx: KafkaContext, run: RetriedWork<T>): Promise<T> {
    return this.heartbeating(ctx, async () => {
      try {
        return await this.withPolicy(ctx, run);
      } catch (e) {
        const error = asError(e);
        if (isPermanent(error) || run.onOutage === 'give-up') return run.giveUp(error);
        if (!(await this.answers())) {
          if (run.outageMsg) run.logger.error({ msg: run.outageMsg, ...run.fields, ...kafkaLogFields(ctx), error: error.message });
          throw error;
        }
        // The dependency answers now: one more attempt tells an outage that just ended from work that fails on its own.
        try {
          return await run.work();
        } catch (again) {
          return run.giveUp(asError(again));
        }
      }
    });
  }

  private withPolicy<T>(ctx: KafkaContext, run: RetriedWork<T>): Promise<T> {
    const policy: RetryPolicy = { attempts: this.settings.attempts, backoffMs: this.settings.backoffMs };
    return withRetries(() => run.work(), policy, {
      deadline: run.deadline,
      onRetry: (e, attempt, delayMs) =>
        run.logger.warn({ msg: run.retryMsg, ...run.fields, ...kafkaLogFields(ctx), attempt, delayMs, error: e.message }),
    });
  }

  /** True when the probe answers within PROBE_TIMEOUT_MS; without a probe, an outage is assumed. */
  private answers(): Promise<boolean> {
    return this.probe ? answersWithin(this.probe, PROBE_TIMEOUT_MS) : Promise.resolve(false);
  }
}
