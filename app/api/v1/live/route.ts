import { route } from '@/lib/server/api';
import { listLive } from '@/lib/server/data/conferences';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/live: conferences with a session in progress (historical replays are not live).
export const GET = route({ access: 'support' }, async () => listLive());
