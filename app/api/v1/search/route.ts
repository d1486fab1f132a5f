import { listSessionsQuery } from '@/lib/schemas/sessions';
import { ApiError, route } from '@/lib/server/api';
import { classifyQuery, listSessions } from '@/lib/server/data/read-sessions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/search?q=: the search box. Recognizes an exact user, conference or session id; else prefix match.
export const GET = route({ access: 'support', query: listSessionsQuery }, async ({ query }) => {
  if (!query.q) {
    return { kind: 'any', ...(await listSessions(query)) };
  }
  const kind = await classifyQuery(query.q);
  const { q, ...rest } = query;
  if (kind === 'user') return { kind, ...(await listSessions({ ...rest, user: q })) };
  if (kind === 'conference') return { kind, ...(await listSessions({ ...rest, conference: q })) };
  if (kind === 'session') return { kind, ...(await listSessions({ ...rest, session: q })) };
  if (q.length < 1) throw new ApiError('unprocessable_entity', 'Type an id');
  return { kind, ...(await listSessions(query)) };
});
