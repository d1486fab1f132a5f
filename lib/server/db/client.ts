/**
 * One Prisma client per process, on a globalThis key in every environment: server.ts (not bundled by Next)
 * and the bundled route handlers would otherwise build two pools in one process. The pg pool is built here, so its
 * counts (open, idle, waiting) can be read for the metrics.
 */

import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '@/lib/generated/prisma/client';

const globalKey = Symbol.for('callscope.prisma');
type Holder = { [globalKey]?: { client: PrismaClient; url: string; pool: pg.Pool } };

export function connectDatabase(url: string): PrismaClient {
  const holder = globalThis as Holder;
  const existing = holder[globalKey];
  if (existing && existing.url === url) return existing.client;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // The adapter ends the pool when the client disconnects, as it does a pool of its own.
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  holder[globalKey] = { client, url, pool };
  process.env.CALLSCOPE_RESOLVED_DATABASE_URL = url;
  return client;
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
