export * from './with-retries';
