export * from './test-env';
export * from './service-process';
export * from './test-api-key';
