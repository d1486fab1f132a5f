import { route } from '@/lib/server/api';
import { handleUpload } from '@/lib/server/ingest/http-ingest';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/upload: a whole dump (RTCStatsDump, Jitsi or webrtc-internals; raw, gzip or multipart).
export const POST = route({ access: 'public' }, async ({ req }) =>
  Response.json(await handleUpload(req), { status: 201 }),
);
