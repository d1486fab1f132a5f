import { ApiError, route } from '@/lib/server/api';
import { getConference } from '@/lib/server/data/conferences';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/conferences/{conference}: participants with tracks, sender→receiver pairs and fault verdicts.
export const GET = route<undefined, undefined, { conference: string }>({ access: 'support' }, async ({ params }) => {
  const name = decodeURIComponent(params.conference);
  const conference = await getConference(name);
  if (!conference) throw new ApiError('not_found', `No conference ${name}`);
  return conference;
});
