import { SignJWT } from 'jose';

/** The identity a token carries, as rtcstats backends mint it (`{rtcStats: {user, session, conference}}`). */
export interface RtcstatsIdentity {
  user?: string;
  session?: string;
  conference?: string;
}

/**
 * rtcstats-server's `generateAuthToken(rtcStatsData, secret, expiresIn = 3600)`: HS256, claims nested under
 * `rtcStats`, `iat` and `exp = iat + expiresIn` (seconds). `kid` is Callscope's addition for key rotation.
 */
export async function generateAuthToken(
  identity: RtcstatsIdentity,
  secret: string | Uint8Array,
  expiresIn = 3600,
  options: { kid?: string } = {},
): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  const rtcStats: RtcstatsIdentity = {};
  if (identity.user) rtcStats.user = identity.user;
  if (identity.session) rtcStats.session = identity.session;
  if (identity.conference) rtcStats.conference = identity.conference;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ rtcStats })
    .setProtectedHeader(options.kid ? { alg: 'HS256', typ: 'JWT', kid: options.kid } : { alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(key);
}
