// Creates the project's Kafka topics with their declared partition counts (broker auto-creation is off).
import 'reflect-metadata';
import { ALL_TOPICS } from '@geobatch/contracts';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';
import { ensureTopics } from '@geobatch/util-kafka';

async function main(): Promise<void> {
  const { KAFKA_BROKERS } = loadConfig(CommonEnvSchema);
  await ensureTopics({ clientId: 'geobatch-setup', brokers: KAFKA_BROKERS });
  console.error(`[topics] ${ALL_TOPICS.map((t) => `${t.name}×${t.partitions}`).join(', ')}`);
}

main().catch((e: unknown) => {
  console.error(`[topics] failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
