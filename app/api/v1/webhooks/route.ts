import { createWebhookInput } from '@/lib/schemas/webhooks';
import { auditActor, route } from '@/lib/server/api';
import { listWebhookEndpoints } from '@/lib/server/data/webhooks';
import { createEndpoint } from '@/lib/server/webhooks/manage';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/webhooks: every endpoint, with its disabled state and the last 24 h's success rate.
export const GET = route({ access: 'admin' }, async () => ({ endpoints: await listWebhookEndpoints() }));

// POST /api/v1/webhooks: add an endpoint; the answer's `secret` is the only time it is shown.
export const POST = route({ access: 'admin', body: createWebhookInput }, async ({ body, actor, req }) => {
  const created = await createEndpoint(body, auditActor(actor, req));
  return Response.json(created, { status: 201, headers: { 'cache-control': 'no-store' } });
});
