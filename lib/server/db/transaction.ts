/**
 * Plain SQL in one transaction on a pg pool, and a write's retry as a deadlock's victim: shared by the process's
 * pool (db/client.ts `inTransaction`) and the live analysis threads' own (db/thread-database.ts). No Prisma here,
 * so a worker thread can import it.
 */

import type pg from 'pg';

export type SqlQuery = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

/** How a caller runs `work` in one transaction (on whichever pool it has). */
export type Transaction = <T>(work: (query: SqlQuery) => Promise<T>) => Promise<T>;

/** `work` in one transaction on a connection of `pool`; rolled back when it throws. */
export async function transactionOn<T>(pool: pg.Pool, work: (query: SqlQuery) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work((text, values) => client.query(text, values));
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    // A connection that cannot even roll back is broken: it is discarded, not returned to the pool.
    const broken = await client.query('ROLLBACK').then(
      () => false,
      () => true,
    );
    client.release(broken);
    throw err;
  }
}

/**
 * Runs a multi-row write again when PostgreSQL chose it as a deadlock's victim (40P01: it was rolled back, nothing
 * of it stored). Rows in id order make that rare; a plan, or a trigger (the overview rollups), may still lock in
 * another order.
 */
export async function retryOnDeadlock<T>(write: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const deadlock = e?.code === '40P01' || (typeof e?.message === 'string' && e.message.includes('40P01'));
      if (!deadlock || i >= attempts) throw err;
      // Apart, so the two transactions that met do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * i));
    }
  }
}
