// Kafka for the services: client options, topic provisioning, the event publisher, dead letters and the consumer plumbing.
export * from './kafka-options';
export * from './json-value.deserializer';
export * from './topic-provisioner';
export * from './event-publisher';
export * from './kafka-producer.module';
export * from './kafka-log-fields';
export * from './consumer-lag-monitor';
export * from './dead-letter.publisher';
export * from './worker-ops';
export * from './run-kafka-worker';
export * from './create-kafka-worker-app';
export * from './keep-alive';
export * from './consumer-skeleton';
export * from './consumer-skeleton.providers';
