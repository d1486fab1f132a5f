import type { ConnectionAttemptsResponse } from '@/lib/schemas/connect';
import { route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { listConnectionAttempts } from '@/lib/server/data/connection-attempts';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/ingest/rejections: the last 200 rejected or failed ingest connection attempts, newest first.
export const GET = route({ access: 'engineer' }, async () => {
  const recorder = serverContext().rejectedAttempts;
  return {
    attempts: await listConnectionAttempts(),
    notRecorded: recorder.notRecorded,
    perSecond: recorder.perSecond,
  } satisfies ConnectionAttemptsResponse;
});
