import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { resolveActor } from '../lib/server/api';
import { startTestServer } from './helpers/server';

/**
 * CALLSCOPE_BOOTSTRAP_API_KEY: the API recognises API keys only as `Bearer cs_…`, so a key of any other shape
 * would be provisioned and never work. Start-up refuses it with a clear message; a `cs_` key works at once.
 */
test('a bootstrap key that does not start with cs_ stops the start with a clear message', async () => {
  const key = `bootstrap-${randomBytes(24).toString('hex')}`;
  await expect(startTestServer({ env: { CALLSCOPE_BOOTSTRAP_API_KEY: key } })).rejects.toThrow(
    /CALLSCOPE_BOOTSTRAP_API_KEY: must start with cs_/,
  );
});

test('a cs_ bootstrap key authenticates API requests as an admin', async () => {
  const key = `cs_${randomBytes(24).toString('hex')}`;
  const server = await startTestServer({ env: { CALLSCOPE_BOOTSTRAP_API_KEY: key } });
  try {
    const request = (authorization: string) =>
      new Request(`${server.url}/api/v1/settings/api-keys`, { headers: { authorization } });
    expect(await resolveActor(request(`Bearer ${key}`))).toMatchObject({ kind: 'api-key', role: 'admin' });
    await expect(resolveActor(request(`Bearer cs_${randomBytes(24).toString('hex')}`))).rejects.toThrow(
      /invalid or revoked/,
    );
  } finally {
    await server.close();
  }
});
