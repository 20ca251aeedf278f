export * from './test-env';
export * from './service-process';
