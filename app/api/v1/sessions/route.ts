import { listSessionsQuery } from '@/lib/schemas/sessions';
import { route } from '@/lib/server/api';
import { listSessions } from '@/lib/server/data/read-sessions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/sessions: sessions newest first, filtered by ids, time range, issue, browser/OS; cursor paging.
export const GET = route({ access: 'support', query: listSessionsQuery }, async ({ query }) => listSessions(query));
