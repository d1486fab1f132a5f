import { mintTokenInput } from '@/lib/schemas/settings';
import { auditActor, route } from '@/lib/server/api';
import { mintToken } from '@/lib/server/signing-keys/mint-token';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/tokens: an ingest token for {user, session, conference, expiresIn}; admin API keys and admin staff.
export const POST = route({ access: 'admin', body: mintTokenInput }, async ({ body, actor, req }) => {
  const minted = await mintToken({
    user: body.user || undefined,
    session: body.session || undefined,
    conference: body.conference || undefined,
    expiresIn: body.expiresIn,
    actor: auditActor(actor, req),
  });
  return Response.json(
    { token: minted.token, expiresAt: minted.expiresAt.getTime(), kid: minted.kid },
    { status: 201, headers: { 'cache-control': 'no-store' } },
  );
});
