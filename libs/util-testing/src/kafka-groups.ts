import type { Kafka } from 'kafkajs';

/** Deletes a suite's consumer groups from the broker when it ends (ones already gone are no error). */
export async function deleteConsumerGroups(kafka: Kafka, groupIds: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups(groupIds).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
