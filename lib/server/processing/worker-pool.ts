/**
 * One analysis worker thread, started on first use and restarted if it dies. Jobs are serialized by the
 * processing queue, so one worker is enough and leaves the other core to ingest and the dashboard.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventLog } from '@/lib/schemas/read-api';
import { projectRoot } from '@/lib/server/paths';
import type { SessionAnalyzerOptions } from '@/lib/stats/analyze/session-analyzer';
import type { SessionAnalysis } from '@/lib/stats/analyze/types';

const JOB_TIMEOUT_MS = 5 * 60_000;

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (a: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

const ROOT = projectRoot();

function workerEntry(): { file: string; execArgv?: string[] } {
  // Bundled production build: dist/analyze-worker.js beside dist/server.js.
  const bundled = path.resolve(ROOT, 'dist/analyze-worker.js');
  if (process.env.NODE_ENV === 'production' && existsSync(bundled)) return { file: bundled };
  // Development and tests run TypeScript directly: load it through tsx.
  return { file: path.resolve(ROOT, 'lib/server/processing/analyze-worker-dev.mjs') };
}

function failAll(err: Error): void {
  for (const [id, job] of waiting) {
    clearTimeout(job.timer);
    job.reject(err);
    waiting.delete(id);
  }
}

function getWorker(): Worker {
  if (worker) return worker;
  const entry = workerEntry();
  const w = new Worker(entry.file, { execArgv: entry.execArgv, resourceLimits: { maxOldGenerationSizeMb: 4096 } });
  w.unref();
  w.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
    const job = waiting.get(msg.id);
    if (!job) return;
    waiting.delete(msg.id);
    clearTimeout(job.timer);
    if (msg.error !== undefined) job.reject(new Error(msg.error));
    else job.resolve(msg.result);
  });
  w.on('error', (err) => {
    worker = undefined;
    failAll(err);
  });
  w.on('exit', (code) => {
    if (worker === w) worker = undefined;
    failAll(new Error(`analysis worker exited (${code})`));
  });
  worker = w;
  return w;
}

function runInWorker<T>(dump: Buffer, request: Record<string, unknown>): Promise<T> {
  const w = getWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('analysis timed out'));
      // A job that runs away is stopped with its thread; the next job starts a fresh one.
      w.terminate().catch(() => {});
    }, JOB_TIMEOUT_MS);
    waiting.set(id, { resolve: resolve as (a: unknown) => void, reject, timer });
    const copy = new Uint8Array(dump); // own ArrayBuffer, transferred without a second copy
    w.postMessage({ ...request, id, dump: copy }, [copy.buffer as ArrayBuffer]);
  });
}

export function analyzeInWorker(dump: Buffer, identity: SessionAnalyzerOptions = {}): Promise<SessionAnalysis> {
  return runInWorker(dump, { mode: 'analyze', identity });
}

export function eventLogInWorker(
  dump: Buffer,
  filter: { pc?: string; type?: string; limit: number },
): Promise<EventLog> {
  return runInWorker(dump, { mode: 'events', ...filter });
}

export async function stopAnalysisWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}
