import { auditActor, route } from '@/lib/server/api';
import { revokeSigningKey, signingKeyDto } from '@/lib/server/signing-keys/manage';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// DELETE /api/v1/settings/keys/{id}: revoke a key (id or kid) now; its tokens are refused from the next connect.
export const DELETE = route<undefined, undefined, { id: string }>(
  { access: 'admin' },
  async ({ params, actor, req }) => {
    const key = await revokeSigningKey(params.id, { actor: auditActor(actor, req) });
    return { key: signingKeyDto(key) };
  },
);
