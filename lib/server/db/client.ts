/**
 * One Prisma client per process, on a globalThis key in every environment: server.ts (not bundled by Next)
 * and the bundled route handlers would otherwise build two pools in one process.
 */

import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/lib/generated/prisma/client';

const globalKey = Symbol.for('callscope.prisma');
type Holder = { [globalKey]?: { client: PrismaClient; url: string } };

export function connectDatabase(url: string): PrismaClient {
  const holder = globalThis as Holder;
  const existing = holder[globalKey];
  if (existing && existing.url === url) return existing.client;
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }) });
  holder[globalKey] = { client, url };
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

export async function disconnectDatabase(): Promise<void> {
  const holder = globalThis as Holder;
  const existing = holder[globalKey];
  if (!existing) return;
  delete holder[globalKey];
  await existing.client.$disconnect();
}
