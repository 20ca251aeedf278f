import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ClientKafka } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { TopicName } from '@geobatch/contracts';

export const KAFKA_PRODUCER = Symbol('KAFKA_PRODUCER');

/** Publishes contract events through the Nest Kafka transport; resolves once the broker has acknowledged. */
@Injectable()
export class EventPublisher implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(KAFKA_PRODUCER) private readonly client: ClientKafka) {}

  async onModuleInit(): Promise<void> {
    await this.client.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  async publish(topic: TopicName, key: string, value: object): Promise<void> {
    await lastValueFrom(this.client.emit(topic, { key, value }), { defaultValue: undefined });
  }
}
