import { apiKeyInput } from '@/lib/schemas/settings';
import { auditActor, route } from '@/lib/server/api';
import { apiKeyDto, createApiKey, listApiKeys } from '@/lib/server/data/api-keys';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/settings/api-keys: every API key, prefix only (the full key is never stored).
export const GET = route({ access: 'admin' }, async () => ({ apiKeys: (await listApiKeys()).map(apiKeyDto) }));

// POST /api/v1/settings/api-keys: create one; the answer's `key` is the only time the full key is shown.
export const POST = route({ access: 'admin', body: apiKeyInput }, async ({ body, actor, req }) => {
  const created = await createApiKey({ name: body.name, role: body.role, actor: auditActor(actor, req) });
  return Response.json(
    { apiKey: apiKeyDto(created.apiKey), key: created.key },
    { status: 201, headers: { 'cache-control': 'no-store' } },
  );
});
