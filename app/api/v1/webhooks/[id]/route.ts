import { updateWebhookInput, type WebhookDeletedResponse } from '@/lib/schemas/webhooks';
import { auditActor, route } from '@/lib/server/api';
import { deleteWebhookEndpoint, getWebhookEndpoint } from '@/lib/server/data/webhooks';
import { updateEndpoint } from '@/lib/server/webhooks/manage';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/webhooks/{id}: one endpoint.
export const GET = route<undefined, undefined, { id: string }>({ access: 'admin' }, async ({ params }) => ({
  endpoint: await getWebhookEndpoint(params.id),
}));

// PATCH /api/v1/webhooks/{id}: url, events, conference, description, enabled (re-enabling needs `replay`).
export const PATCH = route<undefined, typeof updateWebhookInput, { id: string }>(
  { access: 'admin', body: updateWebhookInput },
  async ({ params, body, actor, req }) => ({ endpoint: await updateEndpoint(params.id, body, auditActor(actor, req)) }),
);

// DELETE /api/v1/webhooks/{id}: the endpoint, its deliveries and their log.
export const DELETE = route<undefined, undefined, { id: string }>(
  { access: 'admin' },
  async ({ params, actor, req }) => {
    await deleteWebhookEndpoint(params.id, auditActor(actor, req));
    return { deleted: true } satisfies WebhookDeletedResponse;
  },
);
