// Retrying with backoff, a deadline and a stop signal.
export * from './with-retries';
