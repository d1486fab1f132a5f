import { Readable } from 'node:stream';
import { ApiError, auditActor, route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { auditFor } from '@/lib/server/data/audit';
import { getSessionRow } from '@/lib/server/data/read-sessions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/sessions/{id}/dump: the raw dump as stored (engineers and admins only).
export const GET = route<undefined, undefined, { id: string }>({ access: 'engineer' }, async ({ params, actor, req }) => {
  const row = await getSessionRow(params.id);
  if (!row) throw new ApiError('not_found', `No session ${params.id}`);
  if (!row.blobUrl && row.status !== 'live') throw new ApiError('not_found', 'This session has no stored dump');
  const stream = await serverContext().store.read(row.dumpId);
  await auditFor(auditActor(actor, req), 'dump.download', `session:${params.id}`);
  const ext = row.format === 'webrtc-internals' ? 'json' : row.format === 'jitsi' ? 'txt' : 'rtcstats';
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="session-${params.id}.${ext}"`,
      'cache-control': 'no-store',
    },
  });
});
