import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../lib/server/db/embedded';
import { uploadSampleCall } from './fixtures';
import { E2E_JWT_SECRET } from './staff';
import { OIDC_CLIENT, startOidcIssuer } from './support/oidc-issuer';

/**
 * Starts the real server (e2e/server-process.ts → startServer()) on a free port with a fresh embedded
 * PostgreSQL in a temporary data directory, seeds staff users, and exposes the URL as E2E_BASE_URL.
 * Set E2E_BASE_URL yourself to test an already running server instead (seed the STAFF accounts there).
 */
const ROOT = path.resolve(import.meta.dirname, '..');

function waitForReady(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output.slice(-4000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /E2E_READY (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

export default async function globalSetup() {
  await mkdir(path.join(ROOT, 'e2e/artifacts'), { recursive: true });
  if (process.env.E2E_BASE_URL) return;
  if (!existsSync(path.join(ROOT, '.next/BUILD_ID'))) {
    throw new Error('No Next.js build: run `npx next build` before the e2e tests');
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'callscope-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Single sign-on against a real OIDC issuer (e2e/sso.spec.ts).
  const oidc = await startOidcIssuer(await freePort(), url);
  const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      CALLSCOPE_DATA_DIR: dataDir,
      CALLSCOPE_JWT_SECRET: process.env.E2E_AUTH_OFF ? '' : E2E_JWT_SECRET,
      CALLSCOPE_LOG_LEVEL: process.env.CALLSCOPE_LOG_LEVEL ?? 'warn',
      // The auth tests play clients behind a proxy (X-Forwarded-For) so the sign-in limiter's address buckets of
      // one test never lock out the others.
      CALLSCOPE_TRUST_PROXY: 'true',
      // e2e/webhooks.spec.ts: its receiver is on 127.0.0.1, and it watches an endpoint get disabled in seconds (more
      // than 3 failures, retries 0.5 s then 1 s apart). No other spec has webhook endpoints.
      CALLSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
      CALLSCOPE_WEBHOOK_DISABLE_FAILURES: '3',
      CALLSCOPE_WEBHOOK_RETRY_BASE_SECONDS: '0.5',
      CALLSCOPE_WEBHOOK_RETRY_MAX_SECONDS: '1',
      NEXTAUTH_URL: url,
      NEXTAUTH_SECRET: 'e2e-nextauth-secret-0123456789abcdef',
      OIDC_ISSUER: oidc.issuer,
      OIDC_CLIENT_ID: OIDC_CLIENT.id,
      OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
  };
  // Always a fresh embedded database, never a DATABASE_URL from the developer's shell.
  delete env.DATABASE_URL;
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['e2e/server-process.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep draining output so the child never blocks on a full pipe; show server errors in the test log.
  child.stderr?.on('data', (c: Buffer) => {
    if (process.env.E2E_SERVER_LOG) process.stderr.write(c);
  });
  child.stdout?.on('data', (c: Buffer) => {
    if (process.env.E2E_SERVER_LOG) process.stdout.write(c);
  });
  process.env.E2E_BASE_URL = await waitForReady(child, 120_000);
  process.env.E2E_DATA_DIR = dataDir;
  await uploadSampleCall(process.env.E2E_BASE_URL);

  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await oidc.close();
    await rm(dataDir, { recursive: true, force: true });
  };
}
