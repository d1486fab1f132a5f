import { route } from '@/lib/server/api';
import { openApiDocument } from '@/lib/server/openapi/document';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/openapi.json: the OpenAPI 3.1 reference of this API, generated from the zod schemas the handlers use.
// Public on purpose: the document is a function of the code (the same for every installation, and in the public
// repository), holds no data, settings or secrets, and API clients and code generators can fetch it without a key.
export const GET = route({ access: 'public' }, async () =>
  Response.json(openApiDocument(), { headers: { 'cache-control': 'public, max-age=300' } }),
);
