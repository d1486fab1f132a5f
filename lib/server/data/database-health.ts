import { db } from '@/lib/server/db/client';

const TIMEOUT_MS = 3_000;

/**
 * One round trip to PostgreSQL, for /api/health and the pending-writes retries: reachable, and how long it took.
 * Bounded: a database that hangs (rather than refusing connections) counts as not answering after 3 s.
 */
export async function databaseHealth(): Promise<{ ok: true; latencyMs: number } | { ok: false; error: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([db().$queryRaw`SELECT 1`, timeout])
    .then(() => ({ ok: true as const, latencyMs: Math.round(performance.now() - started) }))
    .catch((err: Error) => ({ ok: false as const, error: err.message }))
    .finally(() => clearTimeout(timer));
}
