/**
 * Worker thread: decodes and analyses dumps, extracts their event log, reads what an uploaded dump is, checks
 * an NDJSON frame batch, keeps live sessions' incremental analyses (live-states.ts) and stores their snapshots and
 * finals (live-store.ts: the one database access of a thread, on its own pool), or obfuscates and gzips an ended
 * session's dump (a few at a time). Otherwise CPU and file work with no database or network, so a slow or hostile dump costs this thread only; the ingest event loop keeps running. The
 * thread lowers its own OS priority at start, so when the cores are busy the ingest thread is served first.
 */

import { closeSync, openSync, readFileSync, readlinkSync, readSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { EventLog } from '@/lib/schemas/read-api';
import { gzipObfuscated } from '@/lib/server/dump-store/dump-store';
import { inTurn } from '@/lib/server/in-turn';
import { tryParseFrameBatch } from '@/lib/server/ingest/frame-batch';
import { analyzeBuffer } from '@/lib/stats/analyze/analyze';
import { type LoggedEvent, loggedEvent } from '@/lib/stats/analyze/app-events';
import type { SessionAnalyzerOptions } from '@/lib/stats/analyze/session-analyzer';
import { obfuscateInternalsDocument } from '@/lib/stats/decode/address-obfuscation';
import { decodeDump } from '@/lib/stats/decode/detect';
import { DumpFormatError } from '@/lib/stats/decode/dump-format-error';
import { readDumpInfo } from '@/lib/stats/decode/dump-info';
import type { DumpFormat } from '@/lib/stats/model';
import { type LiveFeedEntry, LiveStates, packAnalysis } from './live-states';
import { storeLive } from './live-store';

type WorkerRequest =
  | { id: number; mode: 'analyze'; dump: Uint8Array; identity?: SessionAnalyzerOptions }
  | { id: number; mode: 'events'; dump: Uint8Array; pc?: string; type?: string; limit: number }
  | { id: number; mode: 'info'; path: string }
  | { id: number; mode: 'frames'; dump: Uint8Array }
  | { id: number; mode: 'obfuscate-document'; path: string }
  | { id: number; mode: 'live-feed'; entries: LiveFeedEntry[]; dump: Uint8Array }
  | { id: number; mode: 'live-snapshot'; dumpId: string; sessionId: bigint }
  | { id: number; mode: 'live-finish'; dumpId: string }
  | { id: number; mode: 'live-store-final'; dumpId: string; sessionId: bigint }
  | { id: number; mode: 'live-drop'; dumpId: string }
  | { id: number; mode: 'gzip-obfuscated'; src: string; dest: string };

/**
 * The nice value of analysis threads: below the ingest thread (0), so ingest keeps its share when cores are busy;
 * a lane may ask for a lower priority still (the dumps' compression: 19).
 */
const WORKER_NICE = typeof workerData?.nice === 'number' ? workerData.nice : 10;

/**
 * Linux schedules threads individually: `/proc/thread-self` names this thread's id, and setpriority on it changes
 * this thread only. Elsewhere (or without the permission to) the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WORKER_NICE);
  } catch {
    // Not Linux, or not allowed: run at the process's priority.
  }
}
lowerThreadPriority();

const live = new LiveStates();

/** The worker's answer; a DumpFormatError keeps its kind across the thread boundary. */
export type WorkerReply = { id: number; result?: unknown; error?: string; dumpFormatError?: DumpFormatError['kind'] };

function eventLog(dump: Buffer, req: Extract<WorkerRequest, { mode: 'events' }>): EventLog {
  const events: LoggedEvent[] = [];
  const warnings: string[] = [];
  let total = 0;
  let format: DumpFormat | undefined;
  const typeFilter = req.type?.toLowerCase();
  decodeDump(dump, {
    metadata: (m) => {
      format = m.format;
    },
    stats: () => {},
    warn: (m) => {
      if (warnings.length < 50) warnings.push(m);
    },
    event: (e) => {
      if (req.pc !== undefined && String(e.pc) !== req.pc) return;
      if (typeFilter && !e.type.toLowerCase().includes(typeFilter)) return;
      total++;
      if (events.length < req.limit) events.push(loggedEvent(format, e));
    },
  });
  return { events, total, truncated: total > events.length, warnings };
}

/** A file, 1 MiB at a time. */
function* fileChunks(path: string): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return;
      yield chunk.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
}

/** A whole-document dump (webrtc-internals) with its addresses obfuscated, rewritten in place. */
function obfuscateDocument(path: string): boolean {
  const doc: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!obfuscateInternalsDocument(doc)) return false;
  writeFileSync(path, JSON.stringify(doc));
  return true;
}

/**
 * Dumps compressed at once: each holds a deflate state and stream buffers (~300 KB), and thousands of sessions
 * end together; the rest wait their turn.
 */
const gzipInTurn = inTurn(2);

/** A reply's payloads moved, not copied, to the main thread (packed series). */
let transfer: ArrayBuffer[] = [];

function runLive(msg: Extract<WorkerRequest, { mode: `live-${string}` }>): unknown {
  if (msg.mode === 'live-feed') {
    const started = performance.now();
    const { failed, monitoring } = live.feed(msg.entries, msg.dump);
    return { failed, monitoring, decodeMs: performance.now() - started };
  }
  if (msg.mode === 'live-drop') return live.drop(msg.dumpId);
  if (msg.mode === 'live-finish') return live.finish(msg.dumpId);
  // The analysis is taken now, in request order (after the feeds before it); storing it answers later.
  if (msg.mode === 'live-store-final') {
    const packed = live.takeFinal(msg.dumpId);
    return packed ? storeLive(msg.sessionId, packed, true) : null;
  }
  const packed = live.take(msg.dumpId, false);
  if (!packed) return null;
  // A session's snapshots are stored one after another (the queue runs one run of a session at a time): the next
  // one's chunks start where this one's end once it is in; a failed store is covered by the next one's rows.
  return storeLive(msg.sessionId, packed, false).then((reply) => {
    if (reply.outcome.stored) live.snapshotStored(msg.dumpId, packed);
    return reply;
  });
}

function run(msg: WorkerRequest): unknown {
  if (
    msg.mode === 'live-feed' ||
    msg.mode === 'live-snapshot' ||
    msg.mode === 'live-finish' ||
    msg.mode === 'live-store-final' ||
    msg.mode === 'live-drop'
  )
    return runLive(msg);
  if (msg.mode === 'info') return readDumpInfo(fileChunks(msg.path));
  if (msg.mode === 'obfuscate-document') return obfuscateDocument(msg.path);
  if (msg.mode === 'gzip-obfuscated') return gzipInTurn(() => gzipObfuscated(msg.src, msg.dest));
  const dump = Buffer.from(msg.dump.buffer, msg.dump.byteOffset, msg.dump.byteLength);
  if (msg.mode === 'frames') return tryParseFrameBatch(dump);
  if (msg.mode === 'events') return eventLog(dump, msg);
  // Series leave gzip'd (what the track rows store), moved rather than copied: no compression on the ingest thread.
  const packed = packAnalysis(analyzeBuffer(dump, msg.identity), dump.length);
  transfer = packed.seriesGz.map((gz) => gz.buffer);
  return packed;
}

function errorReply(id: number, err: unknown): WorkerReply {
  return {
    id,
    error: err instanceof Error ? err.message : String(err),
    dumpFormatError: err instanceof DumpFormatError ? err.kind : undefined,
  };
}

parentPort?.on('message', (msg: WorkerRequest) => {
  let result: unknown;
  try {
    result = run(msg);
  } catch (err) {
    parentPort?.postMessage(errorReply(msg.id, err));
    return;
  }
  const moved = transfer;
  transfer = [];
  // Stores and file work answer when they are done; other requests answer now, in order.
  if (result instanceof Promise) {
    result.then(
      (value) => parentPort?.postMessage({ id: msg.id, result: value }),
      (err) => parentPort?.postMessage(errorReply(msg.id, err)),
    );
    return;
  }
  parentPort?.postMessage({ id: msg.id, result }, moved);
});
