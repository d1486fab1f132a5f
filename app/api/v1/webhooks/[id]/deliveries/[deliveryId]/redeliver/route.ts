import { auditActor, route } from '@/lib/server/api';
import { redeliver } from '@/lib/server/webhooks/manage';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver: send that delivery again now; the attempt's outcome.
export const POST = route<undefined, undefined, { id: string; deliveryId: string }>(
  { access: 'admin' },
  async ({ params, actor, req }) => redeliver(params.id, params.deliveryId, auditActor(actor, req)),
);
