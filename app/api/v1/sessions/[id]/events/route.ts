import type { EventLog } from '@/lib/schemas/read-api';
import { eventsQuery } from '@/lib/schemas/sessions';
import { ApiError, route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { getSessionRow } from '@/lib/server/data/read-sessions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/sessions/{id}/events: the event log (signaling, ICE, getUserMedia, SDP) decoded from the raw dump.
export const GET = route<typeof eventsQuery, undefined, { id: string }>(
  { access: 'support', query: eventsQuery },
  async ({ params, query }) => {
    const row = await getSessionRow(params.id);
    if (!row) throw new ApiError('not_found', `No session ${params.id}`);
    const none = { events: [], total: 0, truncated: false, warnings: [] } satisfies EventLog;
    if (row.blobUrl || row.status === 'live') return serverContext().eventLog(row.dumpId, query);
    // Ended without a stored dump: none at all (no messages), or one still being compressed, read as it is.
    return serverContext()
      .eventLog(row.dumpId, query)
      .catch((err: { code?: string; name?: string }) => {
        if (err?.code === 'ENOENT' || err?.name === 'NoSuchKey') return none;
        throw err;
      });
  },
);
