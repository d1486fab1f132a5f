import { parentPort } from 'node:worker_threads';
import { analyzeBuffer } from '@/lib/stats/analyze/analyze';

/**
 * Worker thread: decodes and analyses one dump. Pure CPU work with no database or network, so a slow or
 * hostile dump costs this thread only; the ingest event loop keeps running.
 */
parentPort?.on('message', (msg: { id: number; dump: Uint8Array }) => {
  try {
    const analysis = analyzeBuffer(Buffer.from(msg.dump.buffer, msg.dump.byteOffset, msg.dump.byteLength));
    parentPort?.postMessage({ id: msg.id, analysis });
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});
