import { updateStaffInput } from '@/lib/schemas/settings';
import { ApiError, auditActor, requireUuid, route } from '@/lib/server/api';
import { auditFor } from '@/lib/server/data/audit';
import { getStaff, listStaff, staffDto, updateStaff } from '@/lib/server/data/staff';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// PATCH /api/v1/settings/staff/{id}: change role or name, disable/enable, or reset the password.
export const PATCH = route<undefined, typeof updateStaffInput, { id: string }>(
  { access: 'admin', body: updateStaffInput },
  async ({ params, body, actor, req }) => {
    const id = requireUuid(params.id, 'staff account');
    const before = await getStaff(id);
    if (!before) throw new ApiError('not_found', `No staff account ${id}`);
    const losesAdmin =
      before.role === 'admin' &&
      !before.disabled &&
      ((body.role !== undefined && body.role !== 'admin') || body.disabled === true);
    if (losesAdmin) {
      // Settings must stay reachable: nobody removes their own admin access, nor the last enabled admin's.
      if (actor?.kind === 'staff' && actor.id === id) {
        throw new ApiError('conflict', 'You cannot demote or disable your own account; ask another admin');
      }
      const admins = (await listStaff()).filter((s) => s.role === 'admin' && !s.disabled);
      if (admins.length <= 1) throw new ApiError('conflict', 'This is the last enabled admin account');
    }
    const after = await updateStaff(id, body);
    const changes: Record<string, unknown> = {};
    if (body.role !== undefined && body.role !== before.role) changes.role = { from: before.role, to: body.role };
    if (body.disabled !== undefined && body.disabled !== before.disabled) changes.disabled = body.disabled;
    if (body.name !== undefined && body.name !== before.name) changes.name = body.name;
    if (body.password !== undefined) changes.passwordReset = true; // never the password itself
    await auditFor(auditActor(actor, req), 'staff.update', after.email, { id, ...changes });
    return { staff: staffDto(after) };
  },
);
