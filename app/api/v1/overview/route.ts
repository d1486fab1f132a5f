import { overviewQuery } from '@/lib/schemas/overview';
import { route } from '@/lib/server/api';
import { getOverview } from '@/lib/server/data/overview';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/overview: sessions, calls, quality, issues, MOS / RTT percentiles, breakdowns and worst calls of a range.
export const GET = route({ access: 'support', query: overviewQuery }, async ({ query }) => getOverview(query));
