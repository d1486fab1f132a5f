import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../lib/server/db/embedded';
import { migrate } from '../lib/server/db/migrate';

/**
 * Tests run against a real PostgreSQL: a fresh database on TEST_DATABASE_URL's server (CI: the system
 * PostgreSQL), or else an embedded PostgreSQL in a temporary directory. Migrated once, dropped at the end.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const base = process.env.TEST_DATABASE_URL;
  let url: string;
  let teardown: () => Promise<void>;
  if (base) {
    const name = `callscope_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    url = u.toString();
    teardown = async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-test-pg-'));
    const embedded = await startEmbeddedPostgres(dir, 'callscope_test');
    url = embedded.url;
    teardown = async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  await migrate(url);
  project.provide('databaseUrl', url);
  return teardown;
}
