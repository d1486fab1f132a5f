import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DELETE as revokeApiKeyRoute } from '../app/api/v1/settings/api-keys/[id]/route';
import { GET as apiKeysRoute, POST as createApiKeyRoute } from '../app/api/v1/settings/api-keys/route';
import { GET as auditRoute } from '../app/api/v1/settings/audit/route';
import { DELETE as revokeKeyRoute } from '../app/api/v1/settings/keys/[id]/route';
import { GET as graceRoute, PUT as setGraceRoute } from '../app/api/v1/settings/keys/grace/route';
import { GET as keysRoute, POST as newKeyRoute } from '../app/api/v1/settings/keys/route';
import { GET as retentionRoute, PUT as setRetentionRoute } from '../app/api/v1/settings/retention/route';
import { PATCH as updateStaffRoute } from '../app/api/v1/settings/staff/[id]/route';
import { POST as createStaffRoute, GET as staffRoute } from '../app/api/v1/settings/staff/route';
import { POST as mintTokenRoute } from '../app/api/v1/tokens/route';
import {
  apiKeyDtoSchema,
  apiKeysResponseSchema,
  auditEntryDtoSchema,
  auditPageSchema,
  gracePeriodResponseSchema,
  mintedTokenResponseSchema,
  newApiKeyResponseSchema,
  newSigningKeyResponseSchema,
  retentionResponseSchema,
  revokedApiKeyResponseSchema,
  revokedSigningKeyResponseSchema,
  signingKeyDtoSchema,
  signingKeysResponseSchema,
  staffAccountDtoSchema,
  staffAccountResponseSchema,
  staffListResponseSchema,
} from '../lib/schemas/settings';
import { createApiKey } from '../lib/server/data/api-keys';
import { openApiChecked } from './helpers/openapi-validate';
import { noParams, parse, type RouteCaller, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';
import { lockSigningKeys } from './helpers/signing-key-lock';

/**
 * Every settings API answer (app/api/v1/settings/**) and the token tool's (POST /api/v1/tokens), parsed with its
 * schema from lib/schemas/settings.ts (strict objects): a field the server adds, drops or retypes without the schema
 * (the one declaration the settings pages' types come from) fails here. The route handlers are called in this
 * process on the real server's database and key ring, with an admin API key. Creating, rotating and revoking
 * signing keys is global state, so this file holds the signing-key lock (it starts and ends with no database key).
 */
let server: TestServer;
let lock: { release(): Promise<void> };
let api: RouteCaller;

const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

beforeAll(async () => {
  lock = await lockSigningKeys();
  server = await startTestServer({ secrets: [FIXTURE_SECRET] });
  // Every answer is also validated against the OpenAPI document (GET /api/openapi.json).
  api = openApiChecked(routeCaller((await createApiKey({ name: `settings-api-shapes ${stamp}`, role: 'admin' })).key));
});

afterAll(async () => {
  await server?.close();
  await lock?.release();
});

describe('settings API answers match lib/schemas/settings.ts', () => {
  test('signing keys: list, create, rotate, grace period, revoke, and a token minted with the new key', async () => {
    const before = parse(
      signingKeysResponseSchema,
      await api.get(keysRoute, '/api/v1/settings/keys', noParams),
      'keys',
    );
    // The lock leaves no database key: the one CALLSCOPE_JWT_SECRET entry, read-only, signs.
    expect(before.keys.map((k) => [k.source, k.readOnly, k.state])).toEqual([['env', true, 'active']]);
    expect(before.grace.auto).toBe(true);

    // With no database key, a token is signed by the env secret and carries no kid.
    const envToken = parse(
      mintedTokenResponseSchema,
      await api.post(mintTokenRoute, '/api/v1/tokens', noParams, { user: `u_${stamp}`, expiresIn: 60 }, 201),
      'POST /api/v1/tokens (env secret)',
    );
    expect(envToken.kid).toBeNull();

    const created = parse(
      newSigningKeyResponseSchema,
      await api.post(newKeyRoute, '/api/v1/settings/keys', noParams, { action: 'create' }, 201),
      'POST /api/v1/settings/keys (create)',
    );
    expect(created.key.state).toBe('active');
    expect(created.previous).toEqual([]);
    expect(created.graceSeconds).toBeNull();

    const rotated = parse(
      newSigningKeyResponseSchema,
      await api.post(newKeyRoute, '/api/v1/settings/keys', noParams, { action: 'rotate', graceSeconds: 120 }, 201),
      'POST /api/v1/settings/keys (rotate)',
    );
    expect(rotated.graceSeconds).toBe(120);
    expect(rotated.previous.map((k) => [k.id, k.state])).toEqual([[created.key.id, 'verifying']]);
    expect(rotated.secret).not.toBe(created.secret);

    const set = parse(
      gracePeriodResponseSchema,
      await api.put(setGraceRoute, '/api/v1/settings/keys/grace', noParams, { seconds: 900 }),
      'PUT /api/v1/settings/keys/grace',
    );
    expect(set.grace).toMatchObject({ seconds: 900, auto: false, overrideSeconds: 900 });
    const got = parse(
      gracePeriodResponseSchema,
      await api.get(graceRoute, '/api/v1/settings/keys/grace', noParams),
      'GET /api/v1/settings/keys/grace',
    );
    expect(got).toEqual(set);
    const auto = parse(
      gracePeriodResponseSchema,
      await api.put(setGraceRoute, '/api/v1/settings/keys/grace', noParams, { seconds: null }),
      'PUT /api/v1/settings/keys/grace (automatic)',
    );
    expect(auto.grace.auto).toBe(true);
    expect(auto.grace.overrideSeconds).toBeNull();

    const revoked = parse(
      revokedSigningKeyResponseSchema,
      await api.delete(revokeKeyRoute, `/api/v1/settings/keys/${created.key.id}`, { id: created.key.id }),
      'DELETE /api/v1/settings/keys/{id}',
    );
    expect(revoked.key.state).toBe('revoked');
    expect(revoked.key.revokedAt).not.toBeNull();

    const after = parse(signingKeysResponseSchema, await api.get(keysRoute, '/api/v1/settings/keys', noParams), 'keys');
    const states = Object.fromEntries(after.keys.map((k) => [k.id, k.state]));
    expect(states[rotated.key.id]).toBe('active');
    expect(states[created.key.id]).toBe('revoked');

    const minted = parse(
      mintedTokenResponseSchema,
      await api.post(
        mintTokenRoute,
        '/api/v1/tokens',
        noParams,
        { user: `u_${stamp}`, session: `s_${stamp}`, conference: `c_${stamp}` },
        201,
      ),
      'POST /api/v1/tokens',
    );
    expect(minted.kid).toBe(rotated.key.kid);
    expect(decodeProtectedHeader(minted.token).kid).toBe(rotated.key.kid);
    expect(minted.expiresAt).toBeGreaterThan(Date.now());
  });

  test('API keys: list, create, revoke', async () => {
    const created = parse(
      newApiKeyResponseSchema,
      await api.post(
        createApiKeyRoute,
        '/api/v1/settings/api-keys',
        noParams,
        { name: `shapes ${stamp}`, role: 'support' },
        201,
      ),
      'POST /api/v1/settings/api-keys',
    );
    expect(created.key.startsWith(created.apiKey.prefix)).toBe(true);
    expect(created.apiKey.revokedAt).toBeNull();

    const list = parse(
      apiKeysResponseSchema,
      await api.get(apiKeysRoute, '/api/v1/settings/api-keys', noParams),
      'GET /api/v1/settings/api-keys',
    );
    expect(list.apiKeys.find((k) => k.id === created.apiKey.id)).toEqual(created.apiKey);

    const { id } = created.apiKey;
    const revoked = parse(
      revokedApiKeyResponseSchema,
      await api.delete(revokeApiKeyRoute, `/api/v1/settings/api-keys/${id}`, { id }),
      'DELETE /api/v1/settings/api-keys/{id}',
    );
    expect(revoked.apiKey.revokedAt).not.toBeNull();
  });

  test('staff accounts: list, create, update', async () => {
    const email = `shapes-${stamp}@callscope.test`;
    const created = parse(
      staffAccountResponseSchema,
      await api.post(
        createStaffRoute,
        '/api/v1/settings/staff',
        noParams,
        { email, role: 'support', password: 'correct horse battery' },
        201,
      ),
      'POST /api/v1/settings/staff',
    );
    expect(created.staff).toMatchObject({ email, name: null, role: 'support', disabled: false, lastLoginAt: null });

    const list = parse(
      staffListResponseSchema,
      await api.get(staffRoute, '/api/v1/settings/staff', noParams),
      'GET /api/v1/settings/staff',
    );
    expect(list.staff.find((s) => s.id === created.staff.id)).toEqual(created.staff);

    const { id } = created.staff;
    const updated = parse(
      staffAccountResponseSchema,
      await api.patch(updateStaffRoute, `/api/v1/settings/staff/${id}`, { id }, { name: 'Shapes', disabled: true }),
      'PATCH /api/v1/settings/staff/{id}',
    );
    expect(updated.staff).toMatchObject({ id, name: 'Shapes', disabled: true });
  });

  test('retention: get, and put the default policy', async () => {
    parse(
      retentionResponseSchema,
      await api.get(retentionRoute, '/api/v1/settings/retention', noParams),
      'GET /api/v1/settings/retention',
    );
    // Retention is global and other files' servers purge by it: only ever write the default (keep everything),
    // the policy they all assume.
    const put = parse(
      retentionResponseSchema,
      await api.put(setRetentionRoute, '/api/v1/settings/retention', noParams, {
        rawDumpDays: null,
        seriesDays: null,
        sessionDays: null,
      }),
      'PUT /api/v1/settings/retention',
    );
    expect(put.retention).toMatchObject({ rawDumpDays: null, seriesDays: null, sessionDays: null });
    expect(put.retention.updatedAt).not.toBeNull();
  });

  test('audit log: a page, the next page, and an action filter', async () => {
    // This file's own calls wrote audit rows, so there are at least two pages of one.
    await api.post(
      createApiKeyRoute,
      '/api/v1/settings/api-keys',
      noParams,
      { name: `audit ${stamp}`, role: 'support' },
      201,
    );
    const first = parse(
      auditPageSchema,
      await api.get(auditRoute, '/api/v1/settings/audit?limit=1', noParams),
      'GET /api/v1/settings/audit',
    );
    expect(first.entries).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const next = parse(
      auditPageSchema,
      await api.get(auditRoute, `/api/v1/settings/audit?limit=1&cursor=${first.nextCursor}`, noParams),
      'GET /api/v1/settings/audit (cursor)',
    );
    expect(next.entries).toHaveLength(1);
    expect(BigInt(next.entries[0].id)).toBeLessThan(BigInt(first.entries[0].id));

    const creates = parse(
      auditPageSchema,
      await api.get(auditRoute, '/api/v1/settings/audit?action=api_key.create&limit=200', noParams),
      'GET /api/v1/settings/audit (action)',
    );
    expect(creates.entries.every((e) => e.action === 'api_key.create')).toBe(true);
    expect(creates.entries.some((e) => e.detail.name === `audit ${stamp}`)).toBe(true);
  });

  test('the schemas are strict: an extra, a missing or a retyped field fails', async () => {
    const { keys } = parse(
      signingKeysResponseSchema,
      await api.get(keysRoute, '/api/v1/settings/keys', noParams),
      'keys',
    );
    const [key] = keys;
    expect(signingKeyDtoSchema.safeParse(key).success).toBe(true);
    expect(signingKeyDtoSchema.safeParse({ ...key, secret: 'x' }).success).toBe(false);
    const { verifiedLast24h: _dropped, ...missing } = key;
    expect(signingKeyDtoSchema.safeParse(missing).success).toBe(false);
    expect(signingKeyDtoSchema.safeParse({ ...key, state: 'retired' }).success).toBe(false);
    expect(signingKeyDtoSchema.safeParse({ ...key, createdAt: new Date(0).toISOString() }).success).toBe(false);

    const { apiKeys } = parse(
      apiKeysResponseSchema,
      await api.get(apiKeysRoute, '/api/v1/settings/api-keys', noParams),
      'api keys',
    );
    const [apiKey] = apiKeys;
    expect(apiKeyDtoSchema.safeParse({ ...apiKey, keyHash: 'x' }).success).toBe(false);
    expect(apiKeyDtoSchema.safeParse({ ...apiKey, role: 'owner' }).success).toBe(false);

    const { staff } = parse(
      staffListResponseSchema,
      await api.get(staffRoute, '/api/v1/settings/staff', noParams),
      'staff',
    );
    const [account] = staff;
    expect(staffAccountDtoSchema.safeParse({ ...account, passwordHash: 'x' }).success).toBe(false);

    const { entries } = parse(
      auditPageSchema,
      await api.get(auditRoute, '/api/v1/settings/audit?limit=1', noParams),
      'audit',
    );
    const [entry] = entries;
    expect(auditEntryDtoSchema.safeParse({ ...entry, at: new Date(entry.at) }).success).toBe(false);
    expect(auditEntryDtoSchema.safeParse({ ...entry, detail: null }).success).toBe(false);
  });
});
