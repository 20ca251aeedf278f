import type { InjectionToken, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pingDatabase } from '@geobatch/util-database';
import { ConsumerSkeleton, type ConsumerRetrySettings } from './consumer-skeleton';
import { DEAD_LETTER_GROUP, DeadLetterPublisher } from './dead-letter.publisher';

/**
 * The providers a worker's consumers share: the dead-letter publisher and the ConsumerSkeleton,
 * both set from the worker's config (`configToken`). The skeleton's outage probe pings
 * the worker's database, where everything its handlers need lives.
 */
export function consumerSkeletonProviders<C>(
  configToken: InjectionToken,
  settings: (config: C) => ConsumerRetrySettings & {
    /** The group the worker's consumer is in, named on its letters (Nest's Kafka server joins `<group>-server`). */
    consumerGroup: string;
  },
): Provider[] {
  return [
    DeadLetterPublisher,
    {
      provide: ConsumerSkeleton,
      inject: [DeadLetterPublisher, configToken, DataSource],
      useFactory: (deadLetters: DeadLetterPublisher, c: C, db: DataSource) => {
        const { attempts, backoffMs, heartbeatEveryMs } = settings(c);
        return new ConsumerSkeleton(deadLetters, { attempts, backoffMs, heartbeatEveryMs }, () => pingDatabase(db));
      },
    },
    { provide: DEAD_LETTER_GROUP, inject: [configToken], useFactory: (c: C) => settings(c).consumerGroup },
  ];
}
