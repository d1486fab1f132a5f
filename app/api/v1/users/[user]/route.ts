import type { UserErasure } from '@/lib/schemas/privacy';
import { ApiError, auditActor, route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { getEndUser } from '@/lib/server/data/conferences';
import { eraseUserData } from '@/lib/server/user-data';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/users/{user}: a user's sessions over time with quality, and recurring issues.
export const GET = route<undefined, undefined, { user: string }>({ access: 'support' }, async ({ params }) => {
  const id = decodeURIComponent(params.user);
  const user = await getEndUser(id);
  if (!user) throw new ApiError('not_found', `No user ${id}`);
  return user;
});

// DELETE /api/v1/users/{user}: erase everything stored about one end user (rows, dumps, series, issues; admin).
export const DELETE = route<undefined, undefined, { user: string }>({ access: 'admin' }, async ({ params, actor, req }) => {
  const user = decodeURIComponent(params.user);
  const erased = await eraseUserData(serverContext(), user, auditActor(actor, req));
  if (!erased) throw new ApiError('not_found', `No data about user ${user}`);
  return { erased } satisfies UserErasure;
});
