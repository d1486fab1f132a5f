/**
 * The running server, step by step: database (embedded PostgreSQL unless DATABASE_URL is set) and migrations,
 * secrets, the shared context (dump store, key ring, live sessions, processing), Next, one HTTP server that also
 * takes the WebSocket ingest upgrades (Next route handlers cannot), background work (local timers and the PostgreSQL
 * job queue, jobs/job-queue.ts), and an orderly close.
 * server.ts only calls `startServer`.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { ensureSessionSecret } from '@/lib/server/auth/session-secret';
import { type ServerContext, setServerContext } from '@/lib/server/context';
import { provisionBootstrapApiKey } from '@/lib/server/data/api-keys';
import { provisionFirstAdmin } from '@/lib/server/data/staff';
import { connectDatabase, disconnectDatabase } from '@/lib/server/db/client';
import { startEmbeddedPostgres } from '@/lib/server/db/embedded';
import { migrate } from '@/lib/server/db/migrate';
import { createDumpStore } from '@/lib/server/dump-store/create-dump-store';
import type { DumpStore } from '@/lib/server/dump-store/dump-store';
import { readAll } from '@/lib/server/dump-store/dump-store';
import { type Env, loadEnv } from '@/lib/server/env';
import { startIdleSweep } from '@/lib/server/ingest/idle-sweep';
import { LiveSessionRegistry } from '@/lib/server/ingest/live-session';
import { PendingWrites } from '@/lib/server/ingest/pending-writes';
import { RejectedAttempts } from '@/lib/server/ingest/rejected-attempts';
import { clientAddress } from '@/lib/server/ingest/session-rules';
import { createIngestWebSocketServer } from '@/lib/server/ingest/ws-ingest';
import { JobQueue } from '@/lib/server/jobs/job-queue';
import { Monitoring } from '@/lib/server/monitoring/monitoring';
import { roomPolicyListener, scheduleRoomPolicyChecks } from '@/lib/server/monitoring/room-policies';
import { VonageCallbacks } from '@/lib/server/monitoring/vonage-callbacks';
import { logger } from '@/lib/server/logger';
import { setQueueDepthSource, timeHttpRequest, watchLiveSessions } from '@/lib/server/metrics';
import { isMetricsRequest, serveMetrics, startMetricsServer } from '@/lib/server/metrics-endpoint';
import { projectRoot } from '@/lib/server/paths';
import { type NodeLiveness, recoverLostNodeDumps, startNodeLiveness } from '@/lib/server/node-liveness';
import { createLiveAnalysis, type LiveAnalysis } from '@/lib/server/processing/live-analysis';
import { afterLiveStore, conferenceRefreshesSettled } from '@/lib/server/processing/process-session';
import { createProcessingQueue, type ProcessingQueue } from '@/lib/server/processing/queue';
import {
  dumpInfoInWorker,
  eventLogInWorker,
  frameBatchInWorker,
  gzipObfuscatedInWorker,
  obfuscateDocumentInWorker,
} from '@/lib/server/processing/worker-pool';
import { scheduleRetentionPurge } from '@/lib/server/retention-purge';
import { scheduleKeyRingMaintenance, startKeyUsageFlush } from '@/lib/server/signing-keys/grace';
import { createDatabaseKeyRing } from '@/lib/server/signing-keys/key-ring';
import { initMasterKey } from '@/lib/server/signing-keys/master-key';
import { scheduleWebhookDelivery, WebhookDeliveries, webhookConfig } from '@/lib/server/webhooks/delivery-engine';

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

type NextHandlers = {
  request: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;
  close: () => Promise<void>;
};

function readVersion(): string {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** PostgreSQL (embedded when DATABASE_URL is unset), migrated and connected. */
async function openDatabase(env: Env, dataDirectory: string) {
  const embedded = env.DATABASE_URL ? undefined : await startEmbeddedPostgres(dataDirectory);
  const url = env.DATABASE_URL ?? (embedded as NonNullable<typeof embedded>).url;
  const migrations = await migrate(url);
  if (migrations.applied.length) logger().info({ applied: migrations.applied }, 'migrations applied');
  connectDatabase(url);
  return {
    url,
    embedded: embedded !== undefined,
    close: async () => {
      await disconnectDatabase();
      await embedded?.stop();
    },
  };
}

async function openDumpStore(env: Env, dataDirectory: string): Promise<DumpStore> {
  // Ended sessions' dumps are obfuscated and gzipped off the ingest thread.
  const store = await createDumpStore(env, dataDirectory, gzipObfuscatedInWorker);
  // Checked in the background: an unreachable bucket (SDK retries and all) must not hold up the start.
  void store.health().then((storage) => {
    if (!storage.ok)
      logger().warn({ storage: storage.detail }, 'dump storage not reachable: sessions are kept locally until it is');
  });
  return store;
}

function buildContext(
  env: Env,
  store: DumpStore,
  queue: ProcessingQueue,
  liveAnalysis: LiveAnalysis,
  monitoring: Monitoring,
  jobs: JobQueue,
): ServerContext {
  const live = new LiveSessionRegistry();
  // The live-session and analysis-lag gauges read it at each scrape.
  watchLiveSessions(live);
  return {
    store,
    // CALLSCOPE_JWT_SECRET (read-only) + signing keys managed in settings, with rotation and grace periods.
    keyRing: createDatabaseKeyRing(env.CALLSCOPE_JWT_SECRET),
    live,
    pendingWrites: new PendingWrites(),
    hostIdentifier: env.CALLSCOPE_HOST_IDENTIFIER,
    trustedProxies: env.CALLSCOPE_TRUST_PROXY,
    idleMs: env.CALLSCOPE_SESSION_IDLE_MINUTES * 60_000,
    maxUploadBytes: env.CALLSCOPE_MAX_UPLOAD_MB * 1024 * 1024,
    ingestLimits: {
      maxFrameBytes: env.CALLSCOPE_INGEST_MAX_FRAME_BYTES,
      framesPerSecond: env.CALLSCOPE_INGEST_FRAMES_PER_SECOND,
      frameBurst: env.CALLSCOPE_INGEST_FRAME_BURST,
      bytesPerSecond: env.CALLSCOPE_INGEST_BYTES_PER_SECOND,
      byteBurst: env.CALLSCOPE_INGEST_BYTE_BURST,
      maxConnectionsPerToken: env.CALLSCOPE_INGEST_MAX_CONNECTIONS_PER_TOKEN,
      maxConnectionsPerAddress: env.CALLSCOPE_INGEST_MAX_CONNECTIONS_PER_ADDRESS,
      connectionsPerSecondPerAddress: env.CALLSCOPE_INGEST_CONNECTIONS_PER_SECOND_PER_ADDRESS,
      connectionBurstPerAddress: env.CALLSCOPE_INGEST_CONNECTION_BURST_PER_ADDRESS,
    },
    rejectedAttempts: new RejectedAttempts(env.CALLSCOPE_INGEST_REJECTIONS_PER_SECOND),
    scheduleProcessing: (id, reason, local) => queue.schedule(id, reason, local),
    monitoring,
    vonageCallbacks: new VonageCallbacks({
      signatureSecret: env.CALLSCOPE_VONAGE_SIGNATURE_SECRET,
      conferenceFrom: env.CALLSCOPE_VONAGE_CONFERENCE_FROM,
      monitoring,
      jobs,
    }),
    jobs,
    webhooks: new WebhookDeliveries(webhookConfig(env, readVersion()), jobs),
    liveAnalysis,
    eventLog: async (dumpId, filter) => eventLogInWorker(await readAll(await store.read(dumpId)), filter),
    dumpInfo: (file) => dumpInfoInWorker(file),
    parseFrames: (bytes) => frameBatchInWorker(bytes),
    obfuscateDocument: (file) => obfuscateDocumentInWorker(file),
    metrics: { token: env.CALLSCOPE_METRICS_TOKEN, port: env.CALLSCOPE_METRICS_PORT },
    startedAt: Date.now(),
    version: readVersion(),
  };
}

async function prepareNext(dev: boolean, port: number): Promise<NextHandlers> {
  const { default: next } = await import('next');
  const app = next({ dev, dir: ROOT, hostname: 'localhost', port });
  await app.prepare();
  const closable = app as unknown as { close?: () => Promise<void> };
  return {
    request: app.getRequestHandler(),
    upgrade: app.getUpgradeHandler(),
    close: async () => {
      await closable.close?.().catch(() => {});
    },
  };
}

/** The security headers proxy.ts gives Next's responses, for the few this server answers itself. */
const PLAIN_RESPONSE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/**
 * One HTTP server: the rtcstats health check, `/metrics` (metrics-endpoint.ts; also on CALLSCOPE_METRICS_PORT when
 * set), Next for everything else, WebSocket upgrades to the ingest (Next's own in development). Every request is
 * timed by route template. Only a trusted proxy may say who the client is: `X-Forwarded-For` is reduced here, once,
 * to the client's address (clientAddress), and everything behind reads that value.
 */
function createHttpServer(
  context: ServerContext,
  ingest: ReturnType<typeof createIngestWebSocketServer>,
  next: NextHandlers | undefined,
  dev: boolean,
): http.Server {
  const server = http.createServer((req, res) => {
    timeHttpRequest(req, res);
    if (req.url === '/healthcheck' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, PLAIN_RESPONSE_HEADERS).end();
      return;
    }
    if (isMetricsRequest(req)) {
      serveMetrics(req, res, { headers: PLAIN_RESPONSE_HEADERS, requireToken: true, token: context.metrics.token });
      return;
    }
    const address = clientAddress(req.headers, req.socket.remoteAddress, context.trustedProxies);
    if (address === undefined) delete req.headers['x-forwarded-for'];
    else req.headers['x-forwarded-for'] = address;
    // What scheme and host the client used is a proxy's word too: without a trusted one, a client cannot claim it.
    if (context.trustedProxies === 0) {
      delete req.headers['x-forwarded-proto'];
      delete req.headers['x-forwarded-host'];
    }
    if (!next) {
      res.writeHead(404, { ...PLAIN_RESPONSE_HEADERS, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'dashboard disabled on this server' } }));
      return;
    }
    next.request(req, res).catch((err) => {
      logger().error({ err }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (dev && next && req.url?.startsWith('/_next/')) {
      next.upgrade(req, socket, head);
      return;
    }
    ingest.handleUpgrade(req, socket, head);
  });
  if (context.metrics.port !== undefined) startMetricsServer(context.metrics.port, PLAIN_RESPONSE_HEADERS, server);
  return server;
}

/**
 * Connections the kernel queues before the server accepts them. Node's default (511) overflows when thousands of
 * clients (re)connect within a second while the event loop is busy: each dropped SYN is retried by the client only
 * after 1 s, then 3 s, 7 s… The kernel caps it at net.core.somaxconn (4096 on current Linux).
 */
const LISTEN_BACKLOG = 4096;

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () =>
      resolve((server.address() as import('node:net').AddressInfo).port),
    );
  });
}

/**
 * What runs while the server does: the idle rule and this process's key usage flushes (local timers: per-process
 * state), and the job queue shared by every node of the database (processing of ended sessions and uploads, the
 * hourly retention purge, key grace expiry every minute).
 */
/** `liveness`: this node's heartbeat, started before it listens (it is never mistaken for a lost node). */
async function startBackgroundWork(
  context: ServerContext,
  queue: ProcessingQueue,
  jobs: JobQueue,
  liveness: NodeLiveness,
) {
  // Ends idle sessions; recovers the ones a previous process left live (their processing is queued at start).
  const sweep = startIdleSweep(context);
  const usageFlush = startKeyUsageFlush(context.keyRing);
  try {
    // The dumps of this node's sessions that another node ended while this one was lost.
    void recoverLostNodeDumps(context).catch((err) =>
      logger().error({ err }, 'storing the dumps of sessions ended while this node was lost failed'),
    );
    await jobs.start();
    await scheduleRetentionPurge(jobs, context.store);
    await scheduleKeyRingMaintenance(jobs, context.keyRing);
    // Vonage callbacks are stored by a job; room policies' time limits are jobs (a deadline, a sweep every minute).
    await context.vonageCallbacks.define(jobs);
    await scheduleRoomPolicyChecks(jobs, context.monitoring);
    // Outbound webhooks: deliver, wake-up and sweep queues; new events' lines are kicked as they are stored.
    await scheduleWebhookDelivery(jobs, context.webhooks, context.monitoring);
    await queue.start();
    setQueueDepthSource(() => jobs.depths());
  } catch (err) {
    sweep.stop();
    await liveness.stop({ leave: true });
    await usageFlush.stop();
    await jobs.stop().catch(() => {});
    throw err;
  }
  return {
    /** This node claims no more jobs; sending stays open (the drain queues its sessions' processing). */
    async stopTaking() {
      sweep.stop();
      await jobs.stopWorking();
    },
    async stopJobs() {
      setQueueDepthSource(null);
      await queue.stop();
      await conferenceRefreshesSettled();
      context.liveAnalysis.stop();
      await jobs.stop();
      await usageFlush.stop();
      // Every session of this node has ended: it leaves the others nothing to take over.
      await liveness.stop({ leave: true });
    },
  };
}

/**
 * The drain (SIGTERM, or `close()` in tests): stop taking connections, and let the ones whose token is being
 * checked open their sessions; end every live session with 1001 (each
 * dump's last frames flushed and synced, its close line written, the dump stored, `session_end` in its row), all
 * at once (this node claims no new jobs from the start of the drain, but queues the ended sessions' processing); let
 * clients finish their closing handshakes; let the running job finish (queued jobs stay in the job queue's tables
 * for the next node that starts); then the key ring, the store,
 * Next and the database, in that order. server.ts bounds it all with CALLSCOPE_SHUTDOWN_TIMEOUT_SECONDS.
 */
async function shutdown(parts: {
  context: ServerContext;
  ingest: ReturnType<typeof createIngestWebSocketServer>;
  server: http.Server;
  background: Awaited<ReturnType<typeof startBackgroundWork>>;
  next: NextHandlers | undefined;
  database: Awaited<ReturnType<typeof openDatabase>>;
}): Promise<void> {
  const { context, ingest, server, background, next, database } = parts;
  await background.stopTaking();
  const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  await ingest.stopAccepting();
  await Promise.all(
    context.live.all().map((s) => {
      s.closeTransport?.(1001, 'server shutting down');
      return s.end(1001, 'server shutting down');
    }),
  );
  await ingest.close();
  // Sessions whose clients closed just before (their ends began outside the loop above) finish storing too.
  await context.live.settled();
  server.closeAllConnections?.();
  await serverClosed;
  await background.stopJobs();
  // Session-row writes that waited for the database get a last try; a retry after this would reopen the pool.
  await context.pendingWrites.flush();
  context.pendingWrites.stop();
  await context.rejectedAttempts.close();
  await context.keyRing.close();
  context.store.close?.();
  await next?.close();
  setServerContext(undefined);
  await database.close();
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const env = loadEnv(options.env ?? process.env);
  const dataDirectory = path.resolve(ROOT, env.CALLSCOPE_DATA_DIR);
  const database = await openDatabase(env, dataDirectory);
  // Encrypts signing secrets at rest: CALLSCOPE_MASTER_KEY, else <data dir>/master.key (created 0600 now).
  initMasterKey({ masterKey: env.CALLSCOPE_MASTER_KEY, dataDir: dataDirectory });
  if (env.CALLSCOPE_BOOTSTRAP_API_KEY) await provisionBootstrapApiKey(env.CALLSCOPE_BOOTSTRAP_API_KEY);

  const store = await openDumpStore(env, dataDirectory);
  const jobs = new JobQueue({
    connectionString: database.url,
    schema: env.CALLSCOPE_JOB_SCHEMA,
    drainTimeoutMs: env.CALLSCOPE_SHUTDOWN_TIMEOUT_SECONDS * 1000,
  });
  const queue = createProcessingQueue({ store, jobs, hostIdentifier: env.CALLSCOPE_HOST_IDENTIFIER });
  const liveAnalysis = createLiveAnalysis(env.CALLSCOPE_LIVE_ANALYSIS_MAX_BACKLOG_MB * 1024 * 1024, afterLiveStore);
  const monitoring = new Monitoring({ projectId: env.CALLSCOPE_PROJECT_ID, baseUrl: env.NEXTAUTH_URL });
  // Room policies judge every stored event (policyViolation), from the first connection on.
  monitoring.onStored(roomPolicyListener(monitoring, jobs));
  const context = buildContext(env, store, queue, liveAnalysis, monitoring, jobs);
  setServerContext(context);
  if (!(await context.keyRing.authRequired())) {
    logger().warn(
      'no signing key (CALLSCOPE_JWT_SECRET or settings): every ingest client is accepted (set one in production)',
    );
  }
  ensureSessionSecret(dataDirectory);
  await provisionFirstAdmin(env.CALLSCOPE_ADMIN_EMAIL, env.CALLSCOPE_ADMIN_PASSWORD);

  const dev = options.dev ?? env.NODE_ENV === 'development';
  const next = (options.withNext ?? true) ? await prepareNext(dev, options.port ?? env.PORT) : undefined;
  const ingest = createIngestWebSocketServer(context);
  const server = createHttpServer(context, ingest, next, dev);
  // Heartbeat, and the end of lost nodes' live sessions (several nodes on one database).
  const liveness = await startNodeLiveness(context, env.CALLSCOPE_NODE_TIMEOUT_SECONDS);
  const port = await listen(server, options.port ?? env.PORT, options.host ?? env.HOST);
  const background = await startBackgroundWork(context, queue, jobs, liveness);
  logger().info(
    { port, database: database.embedded ? 'embedded' : 'external', dumps: store.kind, dataDirectory },
    'Callscope listening',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= shutdown({ context, ingest, server, background, next, database });
    return closing;
  };
  return { url: `http://127.0.0.1:${port}`, port, databaseUrl: database.url, context, close };
}
