import { gracePeriodInput } from '@/lib/schemas/settings';
import { auditActor, route } from '@/lib/server/api';
import { getGracePeriod, setGracePeriodSeconds } from '@/lib/server/signing-keys/grace';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/settings/keys/grace: the grace period the next rotation uses.
export const GET = route({ access: 'admin' }, async () => ({ grace: await getGracePeriod() }));

// PUT /api/v1/settings/keys/grace: set it in seconds, or null for automatic (longest token lifetime + margin).
export const PUT = route({ access: 'admin', body: gracePeriodInput }, async ({ body, actor, req }) => {
  const grace = await setGracePeriodSeconds(body.seconds, { actor: auditActor(actor, req) });
  return { grace };
});
