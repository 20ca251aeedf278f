// Test support only (never built): where tests find their services, shared fixtures, process stats for the benches, compose-file helpers.
export * from './test-env';
export * from './service-process';
export * from './process-stats';
export * from './test-api-key';
export * from './seeded-random';
export * from './free-port';
export * from './zip-builder';
export * from './docker-compose';
export * from './test-schema';
export * from './kafka-groups';
export * from './suite-temp-dir';
