import { retentionInput } from '@/lib/schemas/settings';
import { auditActor, route } from '@/lib/server/api';
import { getRetention, retentionDto, setRetention } from '@/lib/server/data/retention';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/settings/retention: days to keep raw dumps, series and session rows (null: forever).
export const GET = route({ access: 'admin' }, async () => ({ retention: retentionDto(await getRetention()) }));

// PUT /api/v1/settings/retention: replace the policy (all three fields).
export const PUT = route({ access: 'admin', body: retentionInput }, async ({ body, actor, req }) => ({
  retention: retentionDto(await setRetention(body, { actor: auditActor(actor, req) })),
}));
