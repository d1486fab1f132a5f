import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { freePort } from '../../lib/server/db/embedded';

/**
 * The built server as `npm start` runs it: the esbuild bundle dist/server.js, started outside the repository (it
 * must find the migrations, the Next build and the analysis worker itself), on the test database and a fresh data
 * directory. (npm test builds it before running Vitest.)
 */
export const BUNDLE = path.resolve(import.meta.dirname, '../../dist/server.js');
export const HAVE_BUNDLE = existsSync(BUNDLE);

export interface RunningBundle {
  base: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** /api/health's first answer, if it came within 45 s. */
  health: Response | undefined;
  output(): string;
  /** SIGTERM, wait for the exit, remove the data directory (unless it was given). */
  stop(): Promise<void>;
}

/** `dataDir`: reuse one (a restart after a crash); it is then left in place by `stop`. */
export async function startBundle(
  extraEnv: Record<string, string> = {},
  reuse?: { dataDir: string },
): Promise<RunningBundle> {
  const dataDir = reuse?.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'callscope-prod-')));
  const port = await freePort();
  const child = spawn(process.execPath, [BUNDLE], {
    cwd: os.tmpdir(), // not the repo: the bundle must locate its files itself
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: inject('databaseUrl'),
      CALLSCOPE_DATA_DIR: dataDir,
      CALLSCOPE_LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  let health: Response | undefined;
  while (Date.now() < deadline && child.exitCode === null) {
    health = await fetch(`${base}/api/health`).catch(() => undefined);
    if (health) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    port,
    dataDir,
    child,
    health,
    output: () => output,
    stop: async () => {
      // A child killed by a signal has no exit code, but it has exited: only a running one is stopped.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      if (!reuse) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
