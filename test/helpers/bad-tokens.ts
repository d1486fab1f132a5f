import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import type { RtcstatsIdentity } from '../../lib/shared/auth-token';

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** Every kind of token an ingest endpoint must refuse, with the reason it must give. */
export async function badTokens(identity: RtcstatsIdentity, secret: string) {
  const key = new TextEncoder().encode(secret);
  const now = Math.floor(Date.now() / 1000);
  const payload = { rtcStats: identity };
  const hmacToken = (header: object) => {
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify({ ...payload, iat: now, exp: now + 600 }))}`;
    return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
  };
  return [
    { name: 'missing', token: undefined, reason: /missing/ },
    { name: 'malformed', token: 'this-is-not-a-jwt', reason: /malformed/ },
    {
      name: 'wrong secret',
      token: await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode('another-secret-0123456789abcdef-0123456789')),
      reason: /invalid signature/,
    },
    {
      name: 'expired',
      token: await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(key),
      reason: /expired/,
    },
    {
      name: 'nbf in the future',
      token: await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setNotBefore(now + 3600).setExpirationTime(now + 7200).sign(key),
      reason: /not active/,
    },
    {
      name: 'alg none',
      token: `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify({ ...payload, exp: now + 600 }))}.`,
      reason: /algorithm/,
    },
    { name: 'RS256 header signed with the HMAC secret', token: hmacToken({ alg: 'RS256', typ: 'JWT' }), reason: /algorithm/ },
  ] as const;
}
