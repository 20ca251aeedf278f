import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type Provider } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@geobatch/contracts';
import { GATEWAY_CLIENT_ID, GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';

/** Injection token of the ClientKafka that sends `/geocode` requests and reads their replies. */
export const GEOCODE_CLIENT = Symbol('GEOCODE_CLIENT');

/** The reply topic Nest's ClientKafka reads for a request topic (`<topic>.reply`); the registry must name the same. */
export function replyTopicOf(client: ClientKafka, requestTopic: string): string {
  return (client as unknown as { getResponsePatternName(p: string): string }).getResponsePatternName(requestTopic);
}

/** Nest appends this to the client id and the group id of a ClientKafka. */
const POSTFIX = '-client';

export function geocodeClientOptions(config: GatewayConfig) {
  return {
    client: { clientId: `${GATEWAY_CLIENT_ID}-geocode`, brokers: config.KAFKA_BROKERS, logLevel: logLevel.WARN, retry: { retries: 8 } },
    consumer: {
      groupId: config.GEOCODE_REPLY_GROUP_ID,
      allowAutoTopicCreation: false,
      sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(3_000, Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 3)),
    },
    producer: { allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 },
    send: { acks: -1 },
    postfixId: POSTFIX,
  };
}

export const geocodeClientProvider: Provider = {
  provide: GEOCODE_CLIENT,
  inject: [GATEWAY_CONFIG],
  useFactory: (config: GatewayConfig) => {
    const client = new ClientKafka(geocodeClientOptions(config));
    client.subscribeToResponseOf(Topics.geocode.name);
    return client;
  },
};

/**
 * Connects the `/geocode` client when the gateway starts (joining the reply group takes seconds,
 * which the first request should not pay) and closes it on shutdown. A broker that is away at
 * start-up is not fatal: `send()` connects again on the next request.
 */
@Injectable()
export class GeocodeClientLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GeocodeClientLifecycle.name);
  private connecting: Promise<void> | undefined;

  constructor(
    @Inject(GEOCODE_CLIENT) private readonly client: ClientKafka,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.connecting = this.connect();
  }

  /** Resolves once the first connection attempt is over (whether it worked or not). */
  ready(): Promise<void> {
    return this.connecting ?? Promise.resolve();
  }

  async onModuleDestroy(): Promise<void> {
    await this.connecting;
    await this.client.close();
  }

  private async connect(): Promise<void> {
    const t0 = Date.now();
    try {
      await this.startNewGroupAtEnd();
      await this.client.connect();
      this.logger.log({ msg: 'geocode client connected', group: `${this.config.GEOCODE_REPLY_GROUP_ID}${POSTFIX}`, ms: Date.now() - t0 });
    } catch (e) {
      this.logger.warn({ msg: 'geocode client could not connect yet; retrying on the first request', error: (e as Error).message });
    }
  }

  /**
   * A group with no committed offset starts at "latest" only once it first fetches, after it has
   * joined: a reply written in between would be skipped and its request time out. Offsets of a
   * group nobody has used yet are set to the current end first. (When other gateways already use
   * the group, it has offsets, or the broker refuses the change; either way nothing is needed.)
   */
  private async startNewGroupAtEnd(): Promise<void> {
    const kafka = new Kafka({ clientId: `${GATEWAY_CLIENT_ID}-geocode-admin`, brokers: this.config.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const groupId = `${this.config.GEOCODE_REPLY_GROUP_ID}${POSTFIX}`;
      const topic = Topics.geocodeReply.name;
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (committed.partitions.some((p) => p.offset !== '-1')) return;
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.offset })) }).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }
}
