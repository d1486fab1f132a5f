import { listSessionsQuery } from '@/lib/schemas/sessions';
import { route } from '@/lib/server/api';
import { listSessions, searchScope } from '@/lib/server/data/read-sessions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/search?q=: the search box. Recognizes an exact user, conference or session id; else prefix match.
export const GET = route({ access: 'support', query: listSessionsQuery }, async ({ query }) => {
  const { kind, filters } = await searchScope(query);
  return { kind, ...(await listSessions(filters)) };
});
