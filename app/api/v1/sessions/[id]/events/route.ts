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
    if (!row.blobUrl && row.status !== 'live')
      return { events: [], total: 0, truncated: false, warnings: [] } satisfies EventLog;
    return serverContext().eventLog(row.dumpId, query);
  },
);
