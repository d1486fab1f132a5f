import { parentPort } from 'node:worker_threads';
import type { EventLog } from '@/lib/schemas/read-api';
import { analyzeBuffer } from '@/lib/stats/analyze/analyze';
import type { SessionAnalyzerOptions } from '@/lib/stats/analyze/session-analyzer';
import { decodeDump } from '@/lib/stats/decode/detect';
import type { TraceEvent } from '@/lib/stats/model';

/**
 * Worker thread: decodes and analyses dumps, or extracts their event log. Pure CPU work with no database or
 * network, so a slow or hostile dump costs this thread only; the ingest event loop keeps running.
 */
type WorkerRequest =
  | { id: number; mode: 'analyze'; dump: Uint8Array; identity?: SessionAnalyzerOptions }
  | { id: number; mode: 'events'; dump: Uint8Array; pc?: string; type?: string; limit: number };

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

parentPort?.on('message', (msg: WorkerRequest) => {
  try {
    const dump = Buffer.from(msg.dump.buffer, msg.dump.byteOffset, msg.dump.byteLength);
    const result = msg.mode === 'events' ? eventLog(dump, msg) : analyzeBuffer(dump, msg.identity);
    parentPort?.postMessage({ id: msg.id, result });
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});
