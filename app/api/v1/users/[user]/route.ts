import { ApiError, route } from '@/lib/server/api';
import { getEndUser } from '@/lib/server/data/conferences';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/users/{user}: a user's sessions over time with quality, and recurring issues.
export const GET = route<undefined, undefined, { user: string }>({ access: 'support' }, async ({ params }) => {
  const id = decodeURIComponent(params.user);
  const user = await getEndUser(id);
  if (!user) throw new ApiError('not_found', `No user ${id}`);
  return user;
});
