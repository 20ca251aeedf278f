import type { DataSource } from 'typeorm';

/** The database round trip every health check and outage probe makes: resolves once PostgreSQL answers. */
export async function pingDatabase(db: DataSource): Promise<void> {
  await db.query('SELECT 1');
}
