/**
 * Every Prometheus metric of the process, in one registry (`GET /metrics`, metrics-endpoint.ts). Server-side only;
 * no `server-only` import because server.ts (not bundled by Next) imports it too. The metrics live on a globalThis
 * key: the server's bundle and Next's route handlers (a second copy of this module) count into the same ones.
 * Labels are bounded by construction: protocols, fixed reasons, route templates, kinds — never ids or raw URLs.
 */

import type http from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { databasePool } from '@/lib/server/db/client';
import type { LiveSession, LiveSessionRegistry } from '@/lib/server/ingest/live-session';

/** WebSocket dialects, `POST /api/v1/frames` (`http`) and whole-dump uploads (`upload`). */
const INGEST_PROTOCOLS = ['rtcstats', 'jitsi', 'http', 'upload'] as const;
export type IngestProtocol = (typeof INGEST_PROTOCOLS)[number];

/**
 * Why a connection was refused before its session opened: a token's close reason (ingest-token.ts: `jwt expired`,
 * `invalid signature`, `rtcstats-token is missing`…, a fixed set) or one of these.
 */
export const REFUSED = {
  addressRate: 'address connection rate',
  addressLimit: 'address connection limit',
  tokenLimit: 'token connection limit',
  serverUserAgent: 'server user-agent without live session',
  statsSessionId: 'invalid statsSessionId',
  jitsiSessionExists: 'jitsi session exists',
  storeFailed: 'could not store session',
  shuttingDown: 'shutting down',
} as const;

type ProcessingOutcome = 'stored' | 'failed' | 'skipped';

function createMetrics() {
  const registry = new Registry();
  // Process memory, CPU, handles, GC and event-loop lag (nodejs_eventloop_lag_*), under their standard names.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const state: {
    live?: LiveSessionRegistry;
    analysedUpTo: WeakMap<LiveSession, number>;
    queueDepthSource?: () => Promise<QueueDepth[]>;
  } = {
    analysedUpTo: new WeakMap(),
  };
  const frames = new Counter({
    name: 'callscope_ingest_frames_total',
    help: 'Ingest frames received (WebSocket messages, NDJSON lines of accepted batches)',
    labelNames: ['protocol'] as const,
    registers,
  });
  const bytes = new Counter({
    name: 'callscope_ingest_bytes_total',
    help: 'Ingest bytes received (WebSocket payloads, HTTP bodies as sent)',
    labelNames: ['protocol'] as const,
    registers,
  });
  return {
    registry,
    state,
    frames,
    bytes,
    // Bound once per protocol: every series exists at 0 from the start (rate() works before the first frame), and
    // the per-frame call skips prom-client's label hashing.
    received: Object.fromEntries(
      INGEST_PROTOCOLS.map((protocol) => {
        // inc(0) creates the series (labels() alone does not).
        frames.inc({ protocol }, 0);
        bytes.inc({ protocol }, 0);
        return [protocol, { frames: frames.labels({ protocol }), bytes: bytes.labels({ protocol }) }];
      }),
    ) as Record<IngestProtocol, { frames: { inc(n: number): void }; bytes: { inc(n: number): void } }>,
    openConnections: new Gauge({
      name: 'callscope_ingest_open_connections',
      help: 'Open WebSocket ingest connections',
      labelNames: ['protocol'] as const,
      registers,
    }),
    refused: new Counter({
      name: 'callscope_ingest_rejected_connections_total',
      help: 'Ingest connections and requests refused before a session opened, by reason',
      labelNames: ['protocol', 'reason'] as const,
      registers,
    }),
    frameToDisk: new Histogram({
      name: 'callscope_dump_frame_to_disk_seconds',
      help: 'Age of the oldest frame an fdatasync of a live dump made durable (frame received to on disk)',
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5],
      registers,
    }),
    liveSessions: new Gauge({
      name: 'callscope_live_sessions',
      help: 'Live sessions open in this process',
      registers,
      collect() {
        this.set(state.live?.size ?? 0);
      },
    }),
    liveLag: new Gauge({
      name: 'callscope_live_analysis_lag_seconds',
      help: 'For the live session furthest behind: seconds since the data of its latest analysis (since its start when none)',
      registers,
      collect() {
        const now = Date.now();
        let lag = 0;
        for (const s of state.live?.all() ?? []) lag = Math.max(lag, now - (state.analysedUpTo.get(s) ?? s.startedAt));
        this.set(lag / 1000);
      },
    }),
    liveBacklog: new Gauge({
      name: 'callscope_live_analysis_backlog_bytes',
      help: 'Live dump bytes written but not yet decoded by the live analysis thread (queued or in flight)',
      registers,
    }),
    liveDetached: new Counter({
      name: 'callscope_live_analysis_detached_total',
      help: 'Live sessions whose incremental analysis was given up (backlog over its bound, worker restarted, undecodable); their final analysis reads the dump',
      labelNames: ['reason'] as const,
      registers,
    }),
    queueDepth: queueGauge(state, registers, 'callscope_queue_depth', 'Jobs waiting, by kind', (r) => r.depth),
    queueAge: queueGauge(
      state,
      registers,
      'callscope_queue_oldest_age_seconds',
      'Age of the oldest waiting job, by kind',
      (r) => r.oldestAgeSeconds,
    ),
    processing: new Histogram({
      name: 'callscope_processing_duration_seconds',
      help: 'Processing runs (read dump, analyse, store), by kind (live / ended session) and outcome',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    poolConnections: new Gauge({
      name: 'callscope_db_pool_connections',
      help: 'PostgreSQL pool connections open',
      registers,
      collect() {
        this.set(databasePool()?.totalCount ?? 0);
      },
    }),
    poolIdle: new Gauge({
      name: 'callscope_db_pool_idle_connections',
      help: 'PostgreSQL pool connections idle',
      registers,
      collect() {
        this.set(databasePool()?.idleCount ?? 0);
      },
    }),
    poolWaiting: new Gauge({
      name: 'callscope_db_pool_waiting_queries',
      help: 'Queries waiting for a PostgreSQL pool connection',
      registers,
      collect() {
        this.set(databasePool()?.waitingCount ?? 0);
      },
    }),
    http: new Histogram({
      name: 'callscope_http_request_duration_seconds',
      help: 'HTTP requests by method, route template (Next pages as `page`) and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
  };
}

const key = Symbol.for('callscope.metrics');
type Holder = { [key]?: ReturnType<typeof createMetrics> };

/** The process's metrics, created on first use. */
function metrics(): ReturnType<typeof createMetrics> {
  const holder = globalThis as Holder;
  holder[key] ??= createMetrics();
  return holder[key];
}

/** The exposition text and its content type (Prometheus text format 0.0.4). */
export async function scrape(): Promise<{ contentType: string; body: string }> {
  const { registry } = metrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** The server's live sessions, for the live-session and analysis-lag gauges (set once the context exists). */
export function watchLiveSessions(live: LiveSessionRegistry): void {
  metrics().state.live = live;
}

/** A WebSocket ingest connection opened; the returned function counts its close (call it once). */
export function connectionOpened(protocol: IngestProtocol): () => void {
  const gauge = metrics().openConnections;
  gauge.inc({ protocol });
  return () => gauge.dec({ protocol });
}

/** Frames and bytes as they arrive (frames 0 for bytes that are not frames yet, or never: uploads). */
export function ingestReceived(protocol: IngestProtocol, frames: number, bytes: number): void {
  const counters = metrics().received[protocol];
  if (frames) counters.frames.inc(frames);
  if (bytes) counters.bytes.inc(bytes);
}

/** A connection refused before its session opened; `reason` from REFUSED or an IngestAuthError's close reason. */
export function connectionRefused(protocol: IngestProtocol, reason: string): void {
  metrics().refused.inc({ protocol, reason });
}

/** A dump fdatasync made frames durable; `oldestAt` is when the oldest of them was queued. */
export function frameReachedDisk(oldestAt: number): void {
  metrics().frameToDisk.observe((Date.now() - oldestAt) / 1000);
}

/** Bytes waiting for the live analysis thread (live-analysis.ts). */
export function liveAnalysisBacklog(bytes: number): void {
  metrics().liveBacklog.set(bytes);
}

/** A live session's incremental analysis was given up, and why. */
export function liveAnalysisDetached(reason: string): void {
  metrics().liveDetached.inc({ reason });
}

/**
 * A gauge by job kind read from the job queue at scrape time (prom-client collects metrics concurrently, so each
 * such gauge asks the source itself).
 */
function queueGauge(
  state: { queueDepthSource?: () => Promise<QueueDepth[]> },
  registers: Registry[],
  name: string,
  help: string,
  pick: (row: QueueDepth) => number,
) {
  return new Gauge({
    name,
    help,
    labelNames: ['kind'] as const,
    registers,
    async collect() {
      const rows = await state.queueDepthSource?.().catch(() => null);
      if (!rows) return;
      this.reset();
      for (const r of rows) this.set({ kind: r.kind }, pick(r));
    },
  });
}

export interface QueueDepth {
  kind: string;
  depth: number;
  oldestAgeSeconds: number;
}

/** The job queue's depths, read at every scrape (null: none, e.g. after shutdown). */
export function setQueueDepthSource(source: (() => Promise<QueueDepth[]>) | null): void {
  metrics().state.queueDepthSource = source ?? undefined;
}

/**
 * One processing run of a session ended (process-session.ts calls it, whatever queue runs it). A live session's
 * analysis now covers its data up to about `startedAt` (the run began, then read the dump): the lag gauge counts
 * from there.
 */
export function observeProcessing(sessionId: bigint, outcome: ProcessingOutcome, startedAt: number): void {
  const m = metrics();
  const live = m.state.live?.byId(sessionId);
  if (live && outcome === 'stored') m.state.analysedUpTo.set(live, startedAt);
  m.processing.observe({ kind: live ? 'live' : 'ended', outcome }, (Date.now() - startedAt) / 1000);
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** app/api's route handlers as templates; a static segment (`keys/grace`) before a parameter (`keys/:id`). */
const API_ROUTES = [
  '/api/health',
  '/api/openapi.json',
  '/api/setup',
  '/api/v1/conferences/:conference',
  '/api/v1/conferences/:conference/events',
  '/api/v1/frames',
  '/api/v1/ingest/rejections',
  '/api/v1/ingest/test-token',
  '/api/v1/live',
  '/api/v1/monitoring/vonage',
  '/api/v1/overview',
  '/api/v1/search',
  '/api/v1/search/export',
  '/api/v1/sessions',
  '/api/v1/sessions/:id',
  '/api/v1/sessions/:id/dump',
  '/api/v1/sessions/:id/events',
  '/api/v1/sessions/:id/tracks/:trackId/series',
  '/api/v1/settings/api-keys',
  '/api/v1/settings/api-keys/:id',
  '/api/v1/settings/audit',
  '/api/v1/settings/keys',
  '/api/v1/settings/keys/grace',
  '/api/v1/settings/keys/:id',
  '/api/v1/settings/retention',
  '/api/v1/settings/room-policies',
  '/api/v1/settings/room-policies/:id',
  '/api/v1/settings/staff',
  '/api/v1/settings/staff/:id',
  '/api/v1/tokens',
  '/api/v1/upload',
  '/api/v1/users/:user',
  '/api/v1/users/:user/export',
  '/api/v1/webhooks',
  '/api/v1/webhooks/:id',
  '/api/v1/webhooks/:id/deliveries',
  '/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
  '/api/v1/webhooks/:id/rotate-secret',
  '/api/v1/webhooks/:id/test',
].map((template) => template.split('/'));

/** A request path as a bounded label: an API route's template, `/api/other`, `/_next`, or `page`. */
export function routeLabel(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
  if (path === '/healthcheck' || path === '/metrics') return path;
  if (path.startsWith('/_next/')) return '/_next';
  if (path.startsWith('/api/auth/')) return '/api/auth/*';
  if (path !== '/api' && !path.startsWith('/api/')) return 'page';
  const segments = path.split('/');
  const match = API_ROUTES.find(
    (t) => t.length === segments.length && t.every((s, i) => s.startsWith(':') || s === segments[i]),
  );
  return match ? match.join('/') : '/api/other';
}

/** Times one HTTP request until its response is done (or the client went away). */
export function timeHttpRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  const end = metrics().http.startTimer();
  res.once('close', () => {
    const method = METHODS.has(req.method ?? '') ? (req.method as string) : 'other';
    end({ method, route: routeLabel(req.url), status: String(res.statusCode) });
  });
}
