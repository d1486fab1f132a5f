import { auditActor, route } from '@/lib/server/api';
import { apiKeyDto, revokeApiKey } from '@/lib/server/data/api-keys';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// DELETE /api/v1/settings/api-keys/{id}: revoke an API key now (idempotent).
export const DELETE = route<undefined, undefined, { id: string }>(
  { access: 'admin' },
  async ({ params, actor, req }) => {
    const apiKey = await revokeApiKey(params.id, { actor: auditActor(actor, req) });
    return { apiKey: apiKeyDto(apiKey) };
  },
);
