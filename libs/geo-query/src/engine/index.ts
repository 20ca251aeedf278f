export * from './in-memory-boundary-index';
export * from './boundary-index-loader';
