/**
 * Worker thread: decodes and analyses dumps, extracts their event log, reads what an uploaded dump is, checks
 * an NDJSON frame batch, or keeps live sessions' incremental analyses (live-states.ts). Pure CPU work with no
 * database or network, so a slow or hostile dump costs this thread only; the ingest event loop keeps running. The
 * thread lowers its own OS priority at start, so when the cores are busy the ingest thread is served first.
 */

import { closeSync, openSync, readFileSync, readlinkSync, readSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { EventLog } from '@/lib/schemas/read-api';
import { tryParseFrameBatch } from '@/lib/server/ingest/frame-batch';
import { analyzeBuffer } from '@/lib/stats/analyze/analyze';
import { type LoggedEvent, loggedEvent } from '@/lib/stats/analyze/app-events';
import type { SessionAnalyzerOptions } from '@/lib/stats/analyze/session-analyzer';
import { obfuscateInternalsDocument } from '@/lib/stats/decode/address-obfuscation';
import { decodeDump } from '@/lib/stats/decode/detect';
import { DumpFormatError } from '@/lib/stats/decode/dump-format-error';
import { readDumpInfo } from '@/lib/stats/decode/dump-info';
import type { DumpFormat } from '@/lib/stats/model';
import { type LiveFeedEntry, LiveStates } from './live-states';

type WorkerRequest =
  | { id: number; mode: 'analyze'; dump: Uint8Array; identity?: SessionAnalyzerOptions }
  | { id: number; mode: 'events'; dump: Uint8Array; pc?: string; type?: string; limit: number }
  | { id: number; mode: 'info'; path: string }
  | { id: number; mode: 'frames'; dump: Uint8Array }
  | { id: number; mode: 'obfuscate-document'; path: string }
  | { id: number; mode: 'live-feed'; entries: LiveFeedEntry[]; dump: Uint8Array }
  | { id: number; mode: 'live-take'; dumpId: string; final: boolean }
  | { id: number; mode: 'live-drop'; dumpId: string };

/** The nice value of analysis threads: below the ingest thread (0), so ingest keeps its share when cores are busy. */
const WORKER_NICE = 10;

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

/** Reply payloads moved, not copied, to the main thread (packed series). */
let transfer: ArrayBuffer[] = [];

function runLive(msg: Extract<WorkerRequest, { mode: `live-${string}` }>): unknown {
  if (msg.mode === 'live-feed') {
    const started = performance.now();
    const { failed, monitoring } = live.feed(msg.entries, msg.dump);
    return { failed, monitoring, decodeMs: performance.now() - started };
  }
  if (msg.mode === 'live-drop') return live.drop(msg.dumpId);
  const packed = live.take(msg.dumpId, msg.final);
  if (packed) transfer = packed.seriesGz.map((gz) => gz.buffer as ArrayBuffer);
  return packed;
}

function run(msg: WorkerRequest): unknown {
  if (msg.mode === 'live-feed' || msg.mode === 'live-take' || msg.mode === 'live-drop') return runLive(msg);
  if (msg.mode === 'info') return readDumpInfo(fileChunks(msg.path));
  if (msg.mode === 'obfuscate-document') return obfuscateDocument(msg.path);
  const dump = Buffer.from(msg.dump.buffer, msg.dump.byteOffset, msg.dump.byteLength);
  if (msg.mode === 'frames') return tryParseFrameBatch(dump);
  return msg.mode === 'events' ? eventLog(dump, msg) : analyzeBuffer(dump, msg.identity);
}

parentPort?.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: msg.id, result: run(msg) };
  } catch (err) {
    reply = {
      id: msg.id,
      error: err instanceof Error ? err.message : String(err),
      dumpFormatError: err instanceof DumpFormatError ? err.kind : undefined,
    };
  }
  const moved = transfer;
  transfer = [];
  parentPort?.postMessage(reply, moved);
});
