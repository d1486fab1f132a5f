import { type SetupResponse, setupInput } from '@/lib/schemas/setup';
import { ApiError, route } from '@/lib/server/api';
import { countStaff, createStaff } from '@/lib/server/data/staff';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// One server process: serialise setup requests so two racing first-admin requests cannot both pass the check.
let setupLock: Promise<unknown> = Promise.resolve();

// POST /api/setup: create the first admin; 409 once any staff account exists.
export const POST = route({ access: 'public', body: setupInput }, async ({ body }) => {
  const run = setupLock.then(async () => {
    if ((await countStaff()) > 0) throw new ApiError('conflict', 'Setup is already complete');
    return createStaff({ email: body.email, password: body.password, role: 'admin', name: body.name ?? 'Administrator' });
  });
  setupLock = run.catch(() => undefined);
  const staff = await run;
  return Response.json({ staff: { id: staff.id, email: staff.email, role: staff.role } } satisfies SetupResponse, {
    status: 201,
  });
});
