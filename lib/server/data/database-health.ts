import { db } from '@/lib/server/db/client';

/** One round trip to PostgreSQL, for /api/health: reachable, and how long it took. */
export async function databaseHealth(): Promise<{ ok: true; latencyMs: number } | { ok: false; error: string }> {
  const started = performance.now();
  return db().$queryRaw`SELECT 1`
    .then(() => ({ ok: true as const, latencyMs: Math.round(performance.now() - started) }))
    .catch((err: Error) => ({ ok: false as const, error: err.message }));
}
