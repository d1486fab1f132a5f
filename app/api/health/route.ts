import { route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { db } from '@/lib/server/db/client';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/health: version, database and storage status (for monitoring; no secrets).
export const GET = route({ access: 'public' }, async () => {
  const ctx = serverContext();
  const started = performance.now();
  const database = await db()
    .$queryRaw`SELECT 1`.then(() => ({ ok: true, latencyMs: Math.round(performance.now() - started) }))
    .catch((err: Error) => ({ ok: false, error: err.message }));
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
