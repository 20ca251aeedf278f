import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Gauge } from 'prom-client';
import type { KafkaConnection } from './kafka-options';

/**
 * Samples a consumer group's lag (end offset minus committed offset, per partition) into a
 * gauge every few seconds, through a separate admin connection so it never blocks consuming.
 */
export class ConsumerLagMonitor {
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly conn: KafkaConnection,
    private readonly groupId: string,
    private readonly topics: string[],
    private readonly gauge: Gauge<'group' | 'topic' | 'partition'>,
  ) {}

  async start(intervalMs = 5_000): Promise<void> {
    this.admin = new Kafka({ clientId: `${this.conn.clientId}-lag`, brokers: this.conn.brokers, logLevel: logLevel.NOTHING }).admin();
    await this.admin.connect();
    const tick = () => void this.sample().catch(() => undefined);
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async sample(): Promise<void> {
    if (!this.admin) return;
    const committed = await this.admin.fetchOffsets({ groupId: this.groupId, topics: this.topics });
    for (const { topic, partitions } of committed) {
      const ends = await this.admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const c = partitions.find((p) => p.partition === end.partition);
        const done = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(end.low);
        this.gauge.set({ group: this.groupId, topic, partition: String(end.partition) }, Math.max(0, Number(end.high) - done));
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
