import { listDeliveriesQuery } from '@/lib/schemas/webhooks';
import { route } from '@/lib/server/api';
import { listDeliveries } from '@/lib/server/data/webhooks';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/webhooks/{id}/deliveries: the delivery log, newest first, paged by `cursor`.
export const GET = route<typeof listDeliveriesQuery, undefined, { id: string }>(
  { access: 'admin', query: listDeliveriesQuery },
  async ({ params, query }) => listDeliveries(params.id, query),
);
