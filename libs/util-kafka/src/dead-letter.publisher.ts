import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KafkaContext } from '@nestjs/microservices';
import { EventDecodeError, Topics, type DeadLetterEventV1 } from '@geobatch/contracts';
import { EventPublisher } from './event-publisher';
import { kafkaLogFields } from './kafka-log-fields';

/** The consumer group a service's dead letters name as the one that refused them. */
export const DEAD_LETTER_GROUP = Symbol('DEAD_LETTER_GROUP');

function printable(value: unknown): unknown {
  return Buffer.isBuffer(value) ? value.toString('base64') : value;
}

/**
 * Parks a message that does not decode into its event, or that kept failing, on the dead-letter
 * topic, so the partition moves on. A failure to publish is thrown: the message is then retried,
 * never dropped.
 */
@Injectable()
export class DeadLetterPublisher {
  private readonly logger = new Logger(DeadLetterPublisher.name);

  constructor(
    private readonly publisher: EventPublisher,
    @Inject(DEAD_LETTER_GROUP) private readonly consumerGroup: string,
  ) {}

  async publish(ctx: KafkaContext, error: Error): Promise<void> {
    const at = kafkaLogFields(ctx);
    const message = ctx.getMessage();
    const key = message.key === null || message.key === undefined ? null : String(printable(message.key));
    const letter: DeadLetterEventV1 = {
      source: { ...at, key },
      consumerGroup: this.consumerGroup,
      error: error.message,
      problems: error instanceof EventDecodeError ? error.problems : [],
      payload: printable(message.value),
      deadAt: new Date().toISOString(),
    };
    const msg = error instanceof EventDecodeError ? 'undecodable message sent to the dead-letter topic' : 'failing message sent to the dead-letter topic';
    this.logger.error({ msg, ...at, key, error: error.message });
    await this.publisher.publish(Topics.deadLetter.name, key ?? `${at.topic}:${at.partition}:${at.offset}`, letter);
  }
}
