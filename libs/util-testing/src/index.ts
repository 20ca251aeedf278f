export * from './test-env';
export * from './service-process';
export * from './process-stats';
export * from './test-api-key';
export * from './seeded-random';
export * from './free-port';
export * from './zip-builder';
