export * from './kafka-options';
export * from './topic-provisioner';
export * from './event-publisher';
export * from './kafka-producer.module';
export * from './kafka-log-fields';
export * from './consumer-lag-monitor';
export * from './dead-letter.publisher';
export * from './worker-ops';
