import { route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/monitoring/vonage: a Vonage Video session-monitoring callback (a machine's request: the signature
// is its credential, docs/monitoring.md); 200 once queued or knowingly ignored, the work happens in a job.
export const POST = route({ access: 'public' }, async ({ req }) => serverContext().vonageCallbacks.receive(req));
