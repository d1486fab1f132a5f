/**
 * Worker thread: decodes and analyses dumps, extracts their event log, reads what an uploaded dump is, or checks
 * an NDJSON frame batch. Pure
 * CPU work with no database or network, so a slow or hostile dump costs this thread only; the ingest event loop
 * keeps running.
 */

import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { EventLog } from '@/lib/schemas/read-api';
import { tryParseFrameBatch } from '@/lib/server/ingest/frame-batch';
import { analyzeBuffer } from '@/lib/stats/analyze/analyze';
import type { SessionAnalyzerOptions } from '@/lib/stats/analyze/session-analyzer';
import { obfuscateInternalsDocument } from '@/lib/stats/decode/address-obfuscation';
import { decodeDump } from '@/lib/stats/decode/detect';
import { DumpFormatError } from '@/lib/stats/decode/dump-format-error';
import { readDumpInfo } from '@/lib/stats/decode/dump-info';
import type { TraceEvent } from '@/lib/stats/model';

type WorkerRequest =
  | { id: number; mode: 'analyze'; dump: Uint8Array; identity?: SessionAnalyzerOptions }
  | { id: number; mode: 'events'; dump: Uint8Array; pc?: string; type?: string; limit: number }
  | { id: number; mode: 'info'; path: string }
  | { id: number; mode: 'frames'; dump: Uint8Array }
  | { id: number; mode: 'obfuscate-document'; path: string };

/** The worker's answer; a DumpFormatError keeps its kind across the thread boundary. */
export type WorkerReply = { id: number; result?: unknown; error?: string; dumpFormatError?: DumpFormatError['kind'] };

function eventLog(dump: Buffer, req: Extract<WorkerRequest, { mode: 'events' }>): EventLog {
  const events: TraceEvent[] = [];
  const warnings: string[] = [];
  let total = 0;
  const typeFilter = req.type?.toLowerCase();
  decodeDump(dump, {
    metadata: () => {},
    stats: () => {},
    warn: (m) => {
      if (warnings.length < 50) warnings.push(m);
    },
    event: (e) => {
      if (req.pc !== undefined && String(e.pc) !== req.pc) return;
      if (typeFilter && !e.type.toLowerCase().includes(typeFilter)) return;
      total++;
      if (events.length < req.limit) events.push(e);
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

function run(msg: WorkerRequest): unknown {
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
  parentPort?.postMessage(reply);
});
