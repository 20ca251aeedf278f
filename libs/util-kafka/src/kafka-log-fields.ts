import type { KafkaContext } from '@nestjs/microservices';

/** Topic, partition and offset of the message being handled, for structured logs. */
export function kafkaLogFields(ctx: KafkaContext): { topic: string; partition: number; offset: string } {
  return { topic: ctx.getTopic(), partition: ctx.getPartition(), offset: ctx.getMessage().offset };
}
