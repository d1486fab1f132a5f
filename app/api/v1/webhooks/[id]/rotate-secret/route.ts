import { rotateWebhookSecretInput } from '@/lib/schemas/webhooks';
import { auditActor, route } from '@/lib/server/api';
import { rotateSecret } from '@/lib/server/webhooks/manage';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/webhooks/{id}/rotate-secret: a new secret, shown once; the old one signs too for `overlapHours`.
export const POST = route<undefined, typeof rotateWebhookSecretInput, { id: string }>(
  { access: 'admin', body: rotateWebhookSecretInput },
  async ({ params, body, actor, req }) => {
    const rotated = await rotateSecret(params.id, body.overlapHours, auditActor(actor, req));
    return Response.json(rotated, { headers: { 'cache-control': 'no-store' } });
  },
);
