import type { TestTokenResponse } from '@/lib/schemas/connect';
import { auditActor, route } from '@/lib/server/api';
import { serverContext } from '@/lib/server/context';
import { mintToken } from '@/lib/server/signing-keys/mint-token';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The connect page's test client: one hour, a test user and conference, no session (each connection is its own). */
const TEST_IDENTITY = { user: 'connect-test', conference: 'connect-test' };
const TEST_LIFETIME_SECONDS = 3600;

// POST /api/v1/ingest/test-token: a fresh ingest token for the "Connect your app" page (engineers too; audited).
export const POST = route({ access: 'engineer' }, async ({ actor, req }) => {
  if (!(await serverContext().keyRing.authRequired())) {
    return {
      token: null,
      expiresAt: null,
      kid: null,
      ...TEST_IDENTITY,
      authRequired: false,
    } satisfies TestTokenResponse;
  }
  const minted = await mintToken({
    ...TEST_IDENTITY,
    expiresIn: TEST_LIFETIME_SECONDS,
    actor: auditActor(actor, req),
  });
  return {
    token: minted.token,
    expiresAt: minted.expiresAt.getTime(),
    kid: minted.kid,
    ...TEST_IDENTITY,
    authRequired: true,
  } satisfies TestTokenResponse;
});
