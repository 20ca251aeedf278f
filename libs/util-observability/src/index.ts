// Observability of every process: structured JSON logging, Prometheus metrics and the ops (health, metrics) server.
export * from './json-logger';
export * from './metrics';
export * from './ops-server';
