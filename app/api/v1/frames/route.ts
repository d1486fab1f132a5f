import { route } from '@/lib/server/api';
import { handleFrames } from '@/lib/server/ingest/http-ingest';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/frames: NDJSON rtcstats frames appended to the session named by the token.
export const POST = route({ access: 'public' }, async ({ req }) =>
  Response.json(await handleFrames(req), { status: 202 }),
);
