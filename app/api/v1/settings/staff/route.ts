import { createStaffInput } from '@/lib/schemas/settings';
import { auditActor, route } from '@/lib/server/api';
import { auditFor } from '@/lib/server/data/audit';
import { createStaff, listStaff, staffDto } from '@/lib/server/data/staff';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/settings/staff: every staff account (never a password hash).
export const GET = route({ access: 'admin' }, async () => ({ staff: (await listStaff()).map(staffDto) }));

// POST /api/v1/settings/staff: create an account with an initial password; 409 when the email exists.
export const POST = route({ access: 'admin', body: createStaffInput }, async ({ body, actor, req }) => {
  const staff = await createStaff({ email: body.email, password: body.password, role: body.role, name: body.name });
  await auditFor(auditActor(actor, req), 'staff.create', staff.email, { id: staff.id, role: staff.role });
  return Response.json({ staff: staffDto(staff) }, { status: 201 });
});
