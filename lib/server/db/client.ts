/**
 * One Prisma client per process, on a globalThis key in every environment: server.ts (not bundled by Next)
 * and the bundled route handlers would otherwise build two pools in one process. The pg pool is built here, so its
 * counts (open, idle, waiting) can be read for the metrics.
 */

import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { logger } from '@/lib/server/logger';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { type SqlQuery, transactionOn } from './transaction';

const globalKey = Symbol.for('callscope.prisma');
type Holder = { [globalKey]?: { client: PrismaClient; url: string; pool: pg.Pool } };

export function connectDatabase(url: string): PrismaClient {
  const holder = globalThis as Holder;
  const existing = holder[globalKey];
  if (existing && existing.url === url) return existing.client;
  const pool = new pg.Pool({ connectionString: url, max: poolSize() });
  // An idle connection PostgreSQL ends (restart, failover, a dropped database) is an 'error' on the pool; without a
  // listener it would end the process. Prisma's adapter adds one only once Prisma first queries, and plain-SQL
  // writes (inTransaction) may come first. The next query opens a new connection.
  pool.on('error', (err) => logger().warn({ err: err.message }, 'database connection lost'));
  // The adapter ends the pool when the client disconnects, as it does a pool of its own. Under load a transaction
  // waits for a connection rather than failing after Prisma's default 2 s (thousands of sessions ending at once).
  const client = new PrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    transactionOptions: { maxWait: 20_000, timeout: 30_000 },
  });
  holder[globalKey] = { client, url, pool };
  process.env.CALLSCOPE_RESOLVED_DATABASE_URL = url;
  return client;
}

/** CALLSCOPE_DATABASE_POOL_SIZE (env.ts validates it; read here because route handlers connect lazily too). */
function poolSize(): number {
  const n = Number(process.env.CALLSCOPE_DATABASE_POOL_SIZE);
  return Number.isInteger(n) && n > 0 ? n : 20;
}

/** The process's client; route handlers run in the same process as server.ts, which connected first. */
export function db(): PrismaClient {
  const holder = globalThis as Holder;
  const existing = holder[globalKey];
  if (existing) return existing.client;
  const url = process.env.CALLSCOPE_RESOLVED_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('database not connected yet');
  return connectDatabase(url);
}

/** The process's pg pool, when connected (metrics.ts reads its counts). */
export function databasePool(): pg.Pool | undefined {
  return (globalThis as Holder)[globalKey]?.pool;
}

export async function disconnectDatabase(): Promise<void> {
  const holder = globalThis as Holder;
  const existing = holder[globalKey];
  if (!existing) return;
  delete holder[globalKey];
  await existing.client.$disconnect();
}

/**
 * Plain SQL in one transaction on the process's pool, for the few hot writes whose arguments are too large for the
 * Prisma client's argument walk (data/session-results.ts). Rolled back when `work` throws.
 */
export async function inTransaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T> {
  db();
  const pool = databasePool();
  if (!pool) throw new Error('database not connected yet');
  return transactionOn(pool, work);
}
