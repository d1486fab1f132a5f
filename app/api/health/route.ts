import type { HealthResponse } from '@/lib/schemas/read-api';
import { route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { databaseHealth } from '@/lib/server/data/database-health';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/health: version, database and storage status (for monitoring; no secrets). `degraded` (503) while the
// database does not answer or session-row writes wait for it (an outage during ingest: pendingWrites > 0).
export const GET = route({ access: 'public' }, async () => {
  const ctx = serverContext();
  const database = await databaseHealth();
  const storage = await ctx.store.health();
  const pendingWrites = ctx.pendingWrites.size;
  const ok = database.ok && storage.ok && pendingWrites === 0;
  return Response.json(
    {
      status: ok ? 'ok' : 'degraded',
      version: ctx.version,
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
      database,
      /** Session-row writes (progress, ends) waiting for the database. */
      pendingWrites,
      storage: { kind: ctx.store.kind, ...storage },
      liveSessions: ctx.live.size,
      authRequired: await ctx.keyRing.authRequired(),
    } satisfies HealthResponse,
    { status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
});
