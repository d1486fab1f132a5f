import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDatabaseKeyRing, startKeyRingMaintenance } from '@/lib/server/auth/db-key-ring';
import { ensureSessionSecret } from '@/lib/server/auth/session-secret';
import { type ServerContext, setServerContext } from '@/lib/server/context';
import { initMasterKey } from '@/lib/server/crypto/master-key';
import { provisionBootstrapApiKey } from '@/lib/server/data/api-keys';
import { provisionFirstAdmin } from '@/lib/server/data/staff';
import { connectDatabase, disconnectDatabase } from '@/lib/server/db/client';
import { startEmbeddedPostgres } from '@/lib/server/db/embedded';
import { migrate } from '@/lib/server/db/migrate';
import { loadEnv } from '@/lib/server/env';
import { LiveSessionRegistry } from '@/lib/server/ingest/live-session';
import { startIdleSweep } from '@/lib/server/ingest/idle-sweep';
import { clientAddress } from '@/lib/server/ingest/session-rules';
import { CLOSE, createIngestWebSocketServer } from '@/lib/server/ingest/ws-ingest';
import { logger } from '@/lib/server/logger';
import { projectRoot } from '@/lib/server/paths';
import { startRetentionPurge } from '@/lib/server/retention-purge';
import { createDumpStore } from '@/lib/server/dump-store';
import { readAll } from '@/lib/server/storage';

/**
 * One Node server on one port: Next.js (dashboard, API route handlers) and the WebSocket ingest, which Next
 * route handlers cannot accept. Also owns the database (embedded PostgreSQL unless DATABASE_URL is set),
 * migrations, dump storage and the processing queue.
 */
const ROOT = projectRoot();

export interface StartOptions {
  port?: number;
  host?: string;
  /** Serve the Next.js app (needs `next build` unless dev). Ingest-only servers are used by some tests. */
  withNext?: boolean;
  dev?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  url: string;
  port: number;
  databaseUrl: string;
  context: ServerContext;
  close(): Promise<void>;
}

function readVersion(): string {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const env = loadEnv(options.env ?? process.env);
  const log = logger();
  const dataDirectory = path.resolve(ROOT, env.CALLSCOPE_DATA_DIR);

  const embedded = env.DATABASE_URL ? undefined : await startEmbeddedPostgres(dataDirectory);
  const databaseUrl = env.DATABASE_URL ?? embedded!.url;
  const migrations = await migrate(databaseUrl);
  if (migrations.applied.length) log.info({ applied: migrations.applied }, 'migrations applied');
  connectDatabase(databaseUrl);
  // Encrypts signing secrets at rest: CALLSCOPE_MASTER_KEY, else <data dir>/master.key (created 0600 now).
  initMasterKey({ masterKey: env.CALLSCOPE_MASTER_KEY, dataDir: dataDirectory });
  if (env.CALLSCOPE_BOOTSTRAP_API_KEY) await provisionBootstrapApiKey(env.CALLSCOPE_BOOTSTRAP_API_KEY);

  const store = await createDumpStore(env, dataDirectory);
  // Checked in the background: an unreachable bucket (SDK retries and all) must not hold up the start.
  void store.health().then((storage) => {
    if (!storage.ok) log.warn({ storage: storage.detail }, 'dump storage not reachable: sessions are kept locally until it is');
  });
  const live = new LiveSessionRegistry();
  const { createProcessingQueue } = await import('@/lib/server/processing/queue');
  const queue = createProcessingQueue({ store });
  // CALLSCOPE_JWT_SECRET (read-only) + signing keys managed in settings, with rotation and grace periods.
  const keyRing = createDatabaseKeyRing(env.CALLSCOPE_JWT_SECRET);
  const context: ServerContext = {
    store,
    keyRing,
    live,
    hostIdentifier: env.CALLSCOPE_HOST_IDENTIFIER,
    trustedProxies: env.CALLSCOPE_TRUST_PROXY,
    idleMs: env.CALLSCOPE_SESSION_IDLE_MINUTES * 60_000,
    maxUploadBytes: env.CALLSCOPE_MAX_UPLOAD_MB * 1024 * 1024,
    scheduleProcessing: (id, reason) => queue.schedule(id, reason),
    eventLog: async (dumpId, filter) => {
      const { eventLogInWorker } = await import('@/lib/server/processing/worker-pool');
      return eventLogInWorker(await readAll(await store.read(dumpId)), filter);
    },
    startedAt: Date.now(),
    version: readVersion(),
  };
  setServerContext(context);
  if (!(await keyRing.authRequired())) {
    log.warn('no signing key (CALLSCOPE_JWT_SECRET or settings): every ingest client is accepted (set one in production)');
  }

  ensureSessionSecret(dataDirectory);
  await provisionFirstAdmin(env.CALLSCOPE_ADMIN_EMAIL, env.CALLSCOPE_ADMIN_PASSWORD);

  const withNext = options.withNext ?? true;
  const dev = options.dev ?? env.NODE_ENV === 'development';
  let nextHandler: ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | undefined;
  let nextUpgrade: ((req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => Promise<void>) | undefined;
  let nextApp: { close?: () => Promise<void> } | undefined;
  if (withNext) {
    const { default: next } = await import('next');
    const app = next({ dev, dir: ROOT, hostname: 'localhost', port: options.port ?? env.PORT });
    await app.prepare();
    nextHandler = app.getRequestHandler();
    nextUpgrade = app.getUpgradeHandler();
    nextApp = app as unknown as { close?: () => Promise<void> };
  }

  const ingest = createIngestWebSocketServer(context);
  const server = http.createServer((req, res) => {
    // rtcstats-compatible health check for load balancers: 200, empty body, no Next round trip.
    if (req.url === '/healthcheck' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200).end();
      return;
    }
    // Only a trusted proxy may say who the client is (see clientAddress).
    const forwardedFor = clientAddress(req.headers, req.socket.remoteAddress, context.trustedProxies);
    if (forwardedFor === undefined) delete req.headers['x-forwarded-for'];
    else req.headers['x-forwarded-for'] = forwardedFor;
    if (!nextHandler) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'dashboard disabled on this server' } }));
      return;
    }
    nextHandler(req, res).catch((err) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (dev && nextUpgrade && req.url?.startsWith('/_next/')) {
      nextUpgrade(req, socket, head);
      return;
    }
    ingest.handleUpgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? env.PORT, options.host ?? env.HOST, () => resolve());
  });
  const port = (server.address() as import('node:net').AddressInfo).port;
  const sweep = startIdleSweep(context);
  const retention = startRetentionPurge(store);
  // Flushes key usage counters and revokes keys whose grace period ended (unref'd timer).
  const keyMaintenance = startKeyRingMaintenance(keyRing);
  queue.start();
  log.info({ port, database: embedded ? 'embedded' : 'external', dumps: store.kind, dataDirectory }, 'Callscope listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      sweep.stop();
      retention.stop();
      for (const s of live.all()) {
        s.closeTransport?.(1001, 'server shutting down');
        await s.end(1001, 'server shutting down');
      }
      await ingest.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.stop();
      await keyMaintenance.stop();
      await keyRing.close();
      store.close?.();
      await nextApp?.close?.().catch(() => {});
      setServerContext(undefined);
      await disconnectDatabase();
      await embedded?.stop();
    })();
    return closing;
  };
  return { url: `http://127.0.0.1:${port}`, port, databaseUrl, context, close };
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  startServer()
    .then((running) => {
      const stop = (signal: string) => {
        logger().info({ signal }, 'shutting down');
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}

export { CLOSE };
