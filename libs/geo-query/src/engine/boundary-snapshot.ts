// A read-only snapshot of the boundary tables, from either kind of source the engine accepts.
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** Where the boundary tables live: a TypeORM DataSource or a node-postgres pool. */
export type BoundarySource = DataSource | Pool;

/** One connection, in one read-only snapshot, whichever kind of source it came from. */
export interface Session {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  end(): Promise<void>;
}

function isDataSource(source: BoundarySource): source is DataSource {
  return typeof (source as DataSource).createQueryRunner === 'function';
}

export async function openSnapshot(source: BoundarySource): Promise<Session> {
  // REPEATABLE READ: areas and pieces come from one snapshot even if the dataset is re-imported meanwhile.
  const begin = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
  if (isDataSource(source)) {
    const qr = source.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction('REPEATABLE READ');
      await qr.query('SET TRANSACTION READ ONLY');
    } catch (e) {
      await qr.release();
      throw e;
    }
    return {
      query: (sql, params) => qr.query(sql, params),
      end: async () => {
        try {
          if (qr.isTransactionActive) await qr.rollbackTransaction();
        } finally {
          await qr.release();
        }
      },
    };
  }
  const client = await source.connect();
  try {
    await client.query(begin);
  } catch (e) {
    client.release();
    throw e;
  }
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    end: async () => {
      let broken: Error | undefined;
      try {
        await client.query('ROLLBACK');
      } catch (e) {
        broken = e as Error;
      }
      client.release(broken);
    },
  };
}
