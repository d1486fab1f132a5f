import { roomPolicyInput } from '@/lib/schemas/room-policies';
import { auditActor, route } from '@/lib/server/api';
import { createRoomPolicy, listRoomPolicies } from '@/lib/server/data/room-policies';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/settings/room-policies: every room policy, by conference pattern.
export const GET = route({ access: 'admin' }, async () => ({ policies: await listRoomPolicies() }));

// POST /api/v1/settings/room-policies: a policy for a conference id or prefix* (409 when the pattern has one).
export const POST = route({ access: 'admin', body: roomPolicyInput }, async ({ body, actor, req }) =>
  Response.json(
    { policy: await createRoomPolicy(body, auditActor(actor, req)) },
    { status: 201, headers: { 'cache-control': 'no-store' } },
  ),
);
