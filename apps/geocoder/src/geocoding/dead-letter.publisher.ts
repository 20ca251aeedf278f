import { Injectable, Logger } from '@nestjs/common';
import type { KafkaContext } from '@nestjs/microservices';
import { EventDecodeError, Topics } from '@geobatch/contracts';
import { EventPublisher, kafkaLogFields } from '@geobatch/util-kafka';
import { GeocoderConfig } from '../config/geocoder-config.module';

/** What lands on the dead-letter topic: where the message came from, why it was refused, and the message itself. */
export interface DeadLetterV1 {
  source: { topic: string; partition: number; offset: string; key: string | null };
  consumerGroup: string;
  error: string;
  problems: string[];
  /** The message value as received (a JSON value, or a string / base64 for anything else). */
  payload: unknown;
  deadAt: string;
}

function printable(value: unknown): unknown {
  return Buffer.isBuffer(value) ? value.toString('base64') : value;
}

/**
 * Parks a message that does not decode into its event on the dead-letter topic, so the partition
 * moves on. A failure to publish is thrown: the message is then retried, never dropped.
 */
@Injectable()
export class DeadLetterPublisher {
  private readonly logger = new Logger(DeadLetterPublisher.name);

  constructor(
    private readonly publisher: EventPublisher,
    private readonly config: GeocoderConfig,
  ) {}

  async publish(ctx: KafkaContext, error: Error): Promise<void> {
    const at = kafkaLogFields(ctx);
    const message = ctx.getMessage();
    const key = message.key === null || message.key === undefined ? null : String(printable(message.key));
    const letter: DeadLetterV1 = {
      source: { ...at, key },
      consumerGroup: this.config.GEOCODER_GROUP_ID,
      error: error.message,
      problems: error instanceof EventDecodeError ? error.problems : [],
      payload: printable(message.value),
      deadAt: new Date().toISOString(),
    };
    this.logger.error({ msg: 'undecodable message sent to the dead-letter topic', ...at, key, error: error.message });
    await this.publisher.publish(Topics.deadLetter.name, key ?? 'undecodable', letter);
  }
}
