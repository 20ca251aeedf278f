import { Module, type DynamicModule } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { EventPublisher, KAFKA_PRODUCER } from './event-publisher';
import { producerClientOptions, type KafkaConnection } from './kafka-options';

/** Provides an `EventPublisher` bound to one producer connection. */
@Module({})
export class KafkaProducerModule {
  static forRootAsync(options: {
    imports?: DynamicModule['imports'];
    inject?: unknown[];
    useFactory: (...args: any[]) => KafkaConnection;
  }): DynamicModule {
    return {
      module: KafkaProducerModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: KAFKA_PRODUCER,
          inject: (options.inject ?? []) as never[],
          useFactory: (...args: unknown[]) => new ClientKafka(producerClientOptions(options.useFactory(...args))),
        },
        EventPublisher,
      ],
      exports: [EventPublisher],
    };
  }
}
