/** The database helpers the benchmarks share: is a server there, a URL naming another database on it, and a fresh
 * database per run on the server a bench picks. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../lib/server/db/embedded';

export async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The server a bench creates its databases on: DATABASE_URL's if set, else the system PostgreSQL at 127.0.0.1:5432
 * if it answers, else an embedded PostgreSQL in a temporary directory (whose removal is handed to `onCleanup`).
 */
export async function benchAdminDatabase(
  onCleanup: (cleanup: () => Promise<void>) => void,
): Promise<{ url: string; describe: string }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, describe: "DATABASE_URL's server" };
  const system = 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (await canConnect(system)) return { url: system, describe: 'system PostgreSQL 127.0.0.1:5432' };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-bench-pg-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const embedded = await startEmbeddedPostgres(dir, 'callscope_bench');
  onCleanup(() => embedded.stop());
  return { url: withDatabase(embedded.url, 'postgres'), describe: 'embedded PostgreSQL (temp dir)' };
}

/** Runs one statement on its own connection. */
export async function runSql(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates database `name` on the admin URL's server: its URL, and how to drop it. */
export async function createBenchDatabase(
  admin: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  await runSql(admin, `CREATE DATABASE ${name}`);
  return { url: withDatabase(admin, name), drop: () => runSql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
