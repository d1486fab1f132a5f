import { ApiError, auditActor, route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { exportUserData } from '@/lib/server/user-data';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/users/{user}/export: everything stored about one end user as NDJSON (admin; audited).
export const GET = route<undefined, undefined, { user: string }>({ access: 'admin' }, async ({ params, actor, req }) => {
  const user = decodeURIComponent(params.user);
  const body = await exportUserData(serverContext(), user, auditActor(actor, req));
  if (!body) throw new ApiError('not_found', `No data about user ${user}`);
  const filename = `callscope-user-${user.replace(/[^\w.-]+/g, '_').slice(0, 64)}.ndjson`;
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    },
  });
});
