import { auditActor, route } from '@/lib/server/api';
import { sendTestEvent } from '@/lib/server/webhooks/manage';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/webhooks/{id}/test: a test event (callscope.test: true) through the signed path; the attempt's outcome.
export const POST = route<undefined, undefined, { id: string }>({ access: 'admin' }, async ({ params, actor, req }) =>
  sendTestEvent(params.id, auditActor(actor, req)),
);
