/**
 * Worker threads with the same entry, each started on first use and restarted if it dies: one analyses
 * sessions (jobs serialized by the processing queue) and serves event logs; one reads uploaded dumps and checks
 * NDJSON frame batches, so HTTP ingest never waits behind a long analysis; two keep the live sessions'
 * incremental analyses (live-analysis.ts; one on a single-core machine); one obfuscates and gzips the dumps of ended sessions (thousands end
 * together: their compression on the ingest thread held frames of every other session). All leave the main thread to ingest and the dashboard, at a lower OS
 * priority (analyze-worker.ts).
 */

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventLog } from '@/lib/schemas/read-api';
import type { FrameBatchResult } from '@/lib/server/ingest/frame-batch';
import { projectRoot } from '@/lib/server/paths';
import type { SessionAnalyzerOptions } from '@/lib/stats/analyze/session-analyzer';
import { DumpFormatError } from '@/lib/stats/decode/dump-format-error';
import type { DumpInfo } from '@/lib/stats/decode/dump-info';
import type { WorkerReply } from './analyze-worker';
import type { LiveFeedEntry, LiveMonitoring, PackedAnalysis } from './live-states';
import type { LiveStoreReply } from './live-store';

const JOB_TIMEOUT_MS = 5 * 60_000;
const ROOT = projectRoot();

function workerEntry(): string {
  // Bundled production build: dist/analyze-worker.js beside dist/server.js.
  const bundled = path.resolve(ROOT, 'dist/analyze-worker.js');
  if (process.env.NODE_ENV === 'production' && existsSync(bundled)) return bundled;
  // Development and tests run TypeScript directly: load it through tsx.
  return path.resolve(ROOT, 'lib/server/processing/analyze-worker-dev.mjs');
}

type Job = { resolve: (a: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

class WorkerLane {
  /** `nice`: the thread's OS priority (analyze-worker.ts lowers its own to it; 10 unless given). */
  constructor(private readonly nice?: number) {}

  private worker: Worker | undefined;
  /** Counts the threads started: state kept in a thread (live analyses) is gone when this changes. */
  generation = 0;
  private nextId = 1;
  private readonly waiting = new Map<number, Job>();

  private failAll(err: Error): void {
    for (const [id, job] of this.waiting) {
      clearTimeout(job.timer);
      job.reject(err);
      this.waiting.delete(id);
    }
  }

  private settle(msg: WorkerReply): void {
    const job = this.waiting.get(msg.id);
    if (!job) return;
    this.waiting.delete(msg.id);
    clearTimeout(job.timer);
    if (msg.dumpFormatError) job.reject(new DumpFormatError(msg.dumpFormatError, msg.error ?? 'bad dump'));
    else if (msg.error !== undefined) job.reject(new Error(msg.error));
    else job.resolve(msg.result);
  }

  private get(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(workerEntry(), {
      resourceLimits: { maxOldGenerationSizeMb: 4096 },
      workerData: { nice: this.nice },
    });
    this.generation++;
    w.unref();
    w.on('message', (msg: WorkerReply) => this.settle(msg));
    w.on('error', (err) => {
      this.worker = undefined;
      this.failAll(err);
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(new Error(`analysis worker exited (${code})`));
    });
    this.worker = w;
    return w;
  }

  /** Runs one request; a dump travels as a transferred copy (its own ArrayBuffer, no second copy). */
  run<T>(request: Record<string, unknown>, dump?: Buffer | Uint8Array): Promise<T> {
    const w = this.get();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('analysis timed out'));
        // A job that runs away is stopped with its thread; the next job starts a fresh one.
        w.terminate().catch(() => {});
      }, JOB_TIMEOUT_MS);
      this.waiting.set(id, { resolve: resolve as (a: unknown) => void, reject, timer });
      if (!dump) return w.postMessage({ ...request, id });
      const copy = new Uint8Array(dump);
      w.postMessage({ ...request, id, dump: copy }, [copy.buffer as ArrayBuffer]);
    });
  }

  /** Starts the thread if it is not running; returns its generation. */
  start(): number {
    this.get();
    return this.generation;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

const analysis = new WorkerLane();
const uploads = new WorkerLane();
/**
 * The live analyses, each on one of LIVE_THREADS threads (by its dump id): a session's requests all go to its own
 * thread, in order. Two, so that when thousands of sessions end together their final analyses are made on both
 * cores, and one thread's backlog of snapshots does not hold the other's sessions.
 */
const LIVE_THREADS = Math.max(1, Math.min(2, availableParallelism()));
const live = Array.from({ length: LIVE_THREADS }, () => new WorkerLane());
/**
 * Dumps are compressed at the lowest priority: nothing waits for it but the row's dump URL, while the final
 * analyses of the same sessions (the live threads) are what people wait for.
 */
const dumps = new WorkerLane(19);

/** A dump id is a random UUID: its last hex digit spreads sessions over the threads at no cost per call. */
function liveLaneOf(dumpId: string): WorkerLane {
  return live[(Number.parseInt(dumpId.slice(-1), 16) || 0) % live.length] as WorkerLane;
}

/** What one live thread's feed answers. */
type LiveFeedReply = { failed: string[]; monitoring: LiveMonitoring[] };

/**
 * The live analyses' threads: each dump's requests run in the order they are made (a feed before the snapshot
 * after it). A feed of many dumps is split by thread.
 */
export const liveAnalysisLane = {
  async feed(entries: LiveFeedEntry[], bytes: Uint8Array): Promise<LiveFeedReply> {
    const byLane = new Map<WorkerLane, LiveFeedEntry[]>();
    for (const e of entries) {
      const lane = liveLaneOf(e.dumpId);
      const list = byLane.get(lane);
      if (list) list.push(e);
      else byLane.set(lane, [e]);
    }
    const replies = await Promise.allSettled(
      [...byLane].map(([lane, list]) => {
        // Each thread gets its entries' bytes only, packed from offset 0.
        let offset = 0;
        const parts: Uint8Array[] = [];
        const packed = list.map((e) => {
          parts.push(bytes.subarray(e.offset, e.offset + e.length));
          const moved = { ...e, offset };
          offset += e.length;
          return moved;
        });
        const own = byLane.size === 1 ? bytes : Buffer.concat(parts, offset);
        return lane.run<LiveFeedReply>({ mode: 'live-feed', entries: packed }, own);
      }),
    );
    // One thread that died fails its own sessions' batch (they are detached by generation next); the others' stand.
    const done = replies.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (done.length === 0 && replies[0]?.status === 'rejected') throw replies[0].reason;
    return { failed: done.flatMap((r) => r.failed), monitoring: done.flatMap((r) => r.monitoring) };
  },
  /** A snapshot, stored by the thread; null when it holds no analysis of the dump. */
  snapshot: (dumpId: string, sessionId: bigint) =>
    liveLaneOf(dumpId).run<LiveStoreReply | null>({ mode: 'live-snapshot', dumpId, sessionId }),
  /** The final analysis made and kept in the thread; its monitoring changes, or null when there is none. */
  finish: (dumpId: string) => liveLaneOf(dumpId).run<LiveMonitoring | null>({ mode: 'live-finish', dumpId }),
  /** The final analysis `finish` kept, stored by the thread; null when there is none (the thread restarted). */
  storeFinal: (dumpId: string, sessionId: bigint) =>
    liveLaneOf(dumpId).run<LiveStoreReply | null>({ mode: 'live-store-final', dumpId, sessionId }),
  drop: (dumpId: string) => liveLaneOf(dumpId).run<void>({ mode: 'live-drop', dumpId }),
  /** Changes when the dump's thread is replaced (it died, or a request timed out): the analyses it held are lost. */
  generation: (dumpId: string) => liveLaneOf(dumpId).generation,
  /** Starts the dump's thread if needed; its generation. */
  start: (dumpId: string) => liveLaneOf(dumpId).start(),
};

/** The dump's analysis, its series gzip'd in the thread (`seriesGz[i]` is track i's, as the track row stores it). */
export function analyzeInWorker(dump: Buffer, identity: SessionAnalyzerOptions = {}): Promise<PackedAnalysis> {
  return analysis.run({ mode: 'analyze', identity }, dump);
}

export function eventLogInWorker(
  dump: Buffer,
  filter: { pc?: string; type?: string; limit: number },
): Promise<EventLog> {
  return analysis.run({ mode: 'events', ...filter }, dump);
}

/** What the dump stored at `file` is (readDumpInfo); rejects with DumpFormatError for what cannot be stored. */
export function dumpInfoInWorker(file: string): Promise<DumpInfo> {
  return uploads.run({ mode: 'info', path: file });
}

/** A webrtc-internals upload at `file` with its IP addresses obfuscated in place (the line stores cannot). */
export function obfuscateDocumentInWorker(file: string): Promise<boolean> {
  return uploads.run({ mode: 'obfuscate-document', path: file });
}

/** An NDJSON frame batch checked (parseFrameBatch) on the uploads thread: up to 8 MB of JSON to parse. */
export function frameBatchInWorker(bytes: Buffer): Promise<FrameBatchResult> {
  return uploads.run({ mode: 'frames' }, bytes);
}

/** gzipObfuscated (dump-store.ts) in the dumps thread: the stores' compressor in the server. */
export function gzipObfuscatedInWorker(src: string, dest: string): Promise<void> {
  return dumps.run({ mode: 'gzip-obfuscated', src, dest });
}

export async function stopAnalysisWorker(): Promise<void> {
  await Promise.all([analysis.stop(), uploads.stop(), ...live.map((l) => l.stop()), dumps.stop()]);
}
