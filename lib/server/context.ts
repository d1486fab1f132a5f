import type { EventLog } from '@/lib/schemas/read-api';
import type { DumpInfo } from '@/lib/stats/decode/dump-info';
import type { DumpStore } from '@/lib/server/dump-store/dump-store';
import type { FrameBatchResult } from '@/lib/server/ingest/frame-batch';
import type { IngestLimits } from '@/lib/server/ingest/ingest-limits';
import type { LiveSessionRegistry } from '@/lib/server/ingest/live-session';
import type { PendingWrites } from '@/lib/server/ingest/pending-writes';
import type { RejectedAttempts } from '@/lib/server/ingest/rejected-attempts';
import type { JobQueue } from '@/lib/server/jobs/job-queue';
import type { Monitoring } from '@/lib/server/monitoring/monitoring';
import type { VonageCallbacks } from '@/lib/server/monitoring/vonage-callbacks';
import type { LiveAnalysis } from '@/lib/server/processing/live-analysis';
import type { LocalRun } from '@/lib/server/processing/queue';
import type { SigningKeyRing } from '@/lib/server/signing-keys/types';
import type { WebhookDeliveries } from '@/lib/server/webhooks/delivery-engine';

/**
 * The running server's shared parts. server.ts builds it once; route handlers (bundled by Next, same process)
 * reach it through a globalThis key, so both sides use one store, one key ring and one session registry.
 */
export interface ServerContext {
  store: DumpStore;
  keyRing: SigningKeyRing;
  live: LiveSessionRegistry;
  /** Session-row writes (progress, ends) kept while PostgreSQL does not answer, retried until it does. */
  pendingWrites: PendingWrites;
  hostIdentifier?: string;
  /** Proxies in front that append to X-Forwarded-For (CALLSCOPE_TRUST_PROXY): 0 = none. */
  trustedProxies: number;
  idleMs: number;
  maxUploadBytes: number;
  /** WebSocket ingest limits (CALLSCOPE_INGEST_*). */
  ingestLimits: IngestLimits;
  /** Refused ingest connection attempts, recorded (bounded) for the connect page. */
  rejectedAttempts: RejectedAttempts;
  /** Queues a session for processing (at end, and periodically while live); `local`: a run of this node's own. */
  scheduleProcessing(sessionId: bigint, reason: 'ended' | 'live', local?: LocalRun): void;
  /** The PostgreSQL job queue shared by every node (queues are defined in app.ts's background work). */
  jobs: Pick<JobQueue, 'send'>;
  /** Session monitoring: conference events, stored in order, then webhook deliveries and room policies. */
  monitoring: Monitoring;
  /** Outbound webhooks: their settings (retries, disable rule, private destinations), kicks, tests, redeliveries. */
  webhooks: WebhookDeliveries;
  /** Vonage session-monitoring callbacks in (`POST /api/v1/monitoring/vonage`): checked, then stored by a job. */
  vonageCallbacks: VonageCallbacks;
  /** The live sessions' incremental analyses (fed by their dump writers). */
  liveAnalysis: LiveAnalysis;
  /** The event log of a stored dump, decoded off the main thread. */
  eventLog(dumpId: string, filter: { pc?: string; type?: string; limit: number }): Promise<EventLog>;
  /** What the dump stored at `file` is (readDumpInfo), read off the main thread; DumpFormatError when unusable. */
  dumpInfo(file: string): Promise<DumpInfo>;
  /** A whole-document upload (webrtc-internals) with its IP addresses obfuscated in place, off the main thread. */
  obfuscateDocument(file: string): Promise<boolean>;
  /** An NDJSON frame batch checked off the main thread (parseFrameBatch's outcome as data). */
  parseFrames(bytes: Buffer): Promise<FrameBatchResult>;
  /** `/metrics`: the bearer token the main port asks (unset: 404), the loopback port it is also served on. */
  metrics: { token?: string; port?: number };
  startedAt: number;
  version: string;
}

const key = Symbol.for('callscope.context');
type Holder = { [key]?: ServerContext };

export function setServerContext(ctx: ServerContext | undefined): void {
  (globalThis as Holder)[key] = ctx;
}

export function serverContext(): ServerContext {
  const ctx = (globalThis as Holder)[key];
  if (!ctx) throw new Error('Callscope server context is not initialised (start through server.ts)');
  return ctx;
}
