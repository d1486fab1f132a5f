import { conferenceEventsQuery, type MonitoringEventList } from '@/lib/schemas/monitoring';
import { route } from '@/lib/server/api';
import { listConferenceEvents } from '@/lib/server/data/monitoring';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/conferences/{conference}/events: the conference's session-monitoring events (Callscope's own and
// platform callbacks), in their stored order; `after` (a seq) and `limit` page through them. A conference without
// events answers an empty list: callbacks may name conferences no session has joined.
export const GET = route<typeof conferenceEventsQuery, undefined, { conference: string }>(
  { access: 'support', query: conferenceEventsQuery },
  async ({ params, query }) => {
    const conference = decodeURIComponent(params.conference);
    const events = await listConferenceEvents(conference, {
      afterSeq: query.after !== undefined ? BigInt(query.after) : undefined,
      limit: query.limit,
    });
    return { events } satisfies MonitoringEventList;
  },
);
