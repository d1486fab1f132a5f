import { expect, test } from 'vitest';
import { HAVE_BUNDLE, startBundle } from './helpers/bundle';

/** `npm start` runs the esbuild bundle dist/server.js, not the sources (test/helpers/bundle.ts). */

/** One wrong-password sign-in through next-auth's credentials callback; returns the error it reports. */
async function failedSignIn(base: string, email: string, forwardedFor: string): Promise<string | null> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': forwardedFor },
    body: new URLSearchParams({ csrfToken, email, password: 'not-the-password', json: 'true' }),
  });
  const { url } = (await res.json()) as { url: string };
  return new URL(url).searchParams.get('error');
}

test.skipIf(!HAVE_BUNDLE)('the production bundle starts, migrates and answers health checks', async () => {
  const app = await startBundle();
  try {
    expect(app.health?.status, app.output()).toBe(200);
    const body = await app.health?.json();
    expect(body.database.ok).toBe(true);
    expect((await fetch(`${app.base}/healthcheck`)).status).toBe(200);
    expect((await fetch(`${app.base}/login`)).status).toBe(200);

    // CALLSCOPE_TRUST_PROXY is off by default: a client-sent X-Forwarded-For must not give it a fresh address
    // bucket in the sign-in limiter (keyed by account and address). Five failures for one account under five forged
    // addresses block the sixth.
    const errors: (string | null)[] = [];
    for (let i = 0; i < 6; i++) errors.push(await failedSignIn(app.base, 'nobody@example.test', `203.0.113.${i + 1}`));
    expect(errors.slice(0, 5)).toEqual(Array(5).fill('CredentialsSignin'));
    expect(errors[5]).toContain('Too many failed sign-in attempts');
  } finally {
    await app.stop();
  }
}, 60_000);

test.skipIf(!HAVE_BUNDLE)('behind a trusted proxy, what a client prepends to X-Forwarded-For does not escape the limiter', async () => {
  const app = await startBundle({ CALLSCOPE_TRUST_PROXY: '1' });
  try {
    expect(app.health?.status, app.output()).toBe(200);
    // One client (the proxy appended 198.51.100.9) forging a different address in front each time.
    const errors: (string | null)[] = [];
    for (let i = 0; i < 6; i++) errors.push(await failedSignIn(app.base, 'proxied@example.test', `203.0.113.${i + 1}, 198.51.100.9`));
    expect(errors.slice(0, 5)).toEqual(Array(5).fill('CredentialsSignin'));
    expect(errors[5]).toContain('Too many failed sign-in attempts');
    // Another client behind the same proxy is not blocked, not even for the same account (the limiter is keyed by
    // account and address: whoever locks an account out at one address does not lock out its owner at another).
    expect(await failedSignIn(app.base, 'proxied@example.test', '198.51.100.10')).toBe('CredentialsSignin');
  } finally {
    await app.stop();
  }
}, 60_000);
