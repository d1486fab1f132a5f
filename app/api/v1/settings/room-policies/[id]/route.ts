import { updateRoomPolicyInput } from '@/lib/schemas/room-policies';
import { auditActor, route } from '@/lib/server/api';
import { deleteRoomPolicy, updateRoomPolicy } from '@/lib/server/data/room-policies';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// PATCH /api/v1/settings/room-policies/{id}: change its pattern or rules (null clears a rule).
export const PATCH = route<undefined, typeof updateRoomPolicyInput, { id: string }>(
  { access: 'admin', body: updateRoomPolicyInput },
  async ({ params, body, actor, req }) => ({
    policy: await updateRoomPolicy(params.id, body, auditActor(actor, req)),
  }),
);

// DELETE /api/v1/settings/room-policies/{id}: the policy no longer applies (rooms already judged keep their events).
export const DELETE = route<undefined, undefined, { id: string }>(
  { access: 'admin' },
  async ({ params, actor, req }) => ({
    policy: await deleteRoomPolicy(params.id, auditActor(actor, req)),
  }),
);
