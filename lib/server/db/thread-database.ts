/**
 * A worker thread's own small pg pool (the live analysis threads store their snapshots and finals themselves, so
 * neither the analyses nor their SQL cross to the ingest thread). The URL is the one the process connected with
 * (`CALLSCOPE_RESOLVED_DATABASE_URL`, set by db/client.ts before any live thread starts; a thread's env is a copy of
 * the process's when it starts). No Prisma in a thread: plain SQL only.
 */

import pg from 'pg';
import { type SqlQuery, transactionOn } from './transaction';

/** Connections per thread: two store batches in flight, and one spare. */
const THREAD_POOL_SIZE = 3;

let pool: pg.Pool | undefined;

function threadPool(): pg.Pool {
  if (pool) return pool;
  const url = process.env.CALLSCOPE_RESOLVED_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('database not connected yet');
  pool = new pg.Pool({ connectionString: url, max: THREAD_POOL_SIZE });
  // A connection PostgreSQL ends while idle is dropped; the next query opens another (as the process's pool does).
  pool.on('error', () => {});
  return pool;
}

/** `work` in one transaction on this thread's pool. */
export function threadTransaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T> {
  return transactionOn(threadPool(), work);
}

/** Ends this thread's connections (the thread is about to stop). */
export async function closeThreadDatabase(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.end();
}
