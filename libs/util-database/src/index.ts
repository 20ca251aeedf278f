// The one PostgreSQL connection pool of a Nest app, opened from its validated settings and shared by the store modules (job-store, geo-query), and its probe.
export * from './database-probe';
export * from './postgres-connection';
