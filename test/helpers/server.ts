import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { resetEnvCache } from '../../lib/server/env';
import { type RunningServer, startServer } from '../../server';

export const FIXTURE_SECRET = 'fixture-secret-0123456789abcdef0123456789abcdef';

export interface TestServer extends RunningServer {
  dataDir: string;
  wsUrl: string;
}

/** Starts the real server (real PostgreSQL, real WebSocket ingest, real files) on a free port. */
export async function startTestServer(
  opts: { secrets?: string[]; withNext?: boolean; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'callscope-test-data-'));
  resetEnvCache();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    CALLSCOPE_DATA_DIR: dataDir,
    CALLSCOPE_JWT_SECRET: (opts.secrets ?? [FIXTURE_SECRET]).join(','),
    PORT: '0',
    HOST: '127.0.0.1',
    // Test files share one database in parallel: each server recovers only the live rows it left itself.
    CALLSCOPE_HOST_IDENTIFIER: `test-${path.basename(dataDir)}`,
    ...opts.env,
  };
  const running = await startServer({ withNext: opts.withNext ?? false, dev: false, env });
  return {
    ...running,
    dataDir,
    wsUrl: `ws://127.0.0.1:${running.port}`,
    close: async () => {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
