import { route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { databaseHealth } from '@/lib/server/data/database-health';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/health: version, database and storage status (for monitoring; no secrets).
export const GET = route({ access: 'public' }, async () => {
  const ctx = serverContext();
  const database = await databaseHealth();
  const storage = await ctx.store.health();
  const ok = database.ok && storage.ok;
  return Response.json(
    {
      status: ok ? 'ok' : 'degraded',
      version: ctx.version,
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
      database,
      storage: { kind: ctx.store.kind, ...storage },
      liveSessions: ctx.live.size,
      authRequired: await ctx.keyRing.authRequired(),
    },
    { status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
});
