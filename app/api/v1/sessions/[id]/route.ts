import { ApiError, route } from '@/lib/server/api';
import { getSessionDetail } from '@/lib/server/data/read-sessions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/sessions/{id}: client, peer connections, tracks with summaries, issues.
export const GET = route<undefined, undefined, { id: string }>({ access: 'support' }, async ({ params }) => {
  const detail = await getSessionDetail(params.id);
  if (!detail) throw new ApiError('not_found', `No session ${params.id}`);
  return detail;
});
