// Retrying with backoff, a deadline and a stop signal, and asking whether a dependency answers in time.
export * from './answers-within';
export * from './with-retries';
