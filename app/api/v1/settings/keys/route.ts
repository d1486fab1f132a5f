import { signingKeyInput } from '@/lib/schemas/settings';
import { auditActor, route } from '@/lib/server/api';
import { getGracePeriod } from '@/lib/server/signing-keys/grace';
import { createSigningKey, listSigningKeys, rotateSigningKey, signingKeyDto } from '@/lib/server/signing-keys/manage';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/settings/keys: every signing key (never a secret) with usage, plus the grace period rotations use.
export const GET = route({ access: 'admin' }, async () => {
  const [keys, grace] = await Promise.all([listSigningKeys(), getGracePeriod()]);
  return { keys: keys.map(signingKeyDto), grace };
});

// POST /api/v1/settings/keys: create the first key or rotate; the answer carries the new secret, shown this once.
export const POST = route({ access: 'admin', body: signingKeyInput }, async ({ body, actor, req }) => {
  const who = auditActor(actor, req);
  const result =
    body.action === 'create'
      ? { ...(await createSigningKey({ secret: body.secret, actor: who })), previous: [], graceSeconds: null }
      : await rotateSigningKey({ secret: body.secret, graceSeconds: body.graceSeconds, actor: who });
  return Response.json(
    {
      key: signingKeyDto(result.key),
      secret: result.secret,
      previous: result.previous.map(signingKeyDto),
      graceSeconds: result.graceSeconds,
    },
    { status: 201, headers: { 'cache-control': 'no-store' } },
  );
});
