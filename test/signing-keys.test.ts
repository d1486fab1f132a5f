import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test, vi } from 'vitest';
import { IngestAuthError, verifyIngestToken } from '../lib/server/auth/ingest-token';
import {
  createApiKey,
  listApiKeys,
  provisionBootstrapApiKey,
  revokeApiKey,
  verifyApiKey,
} from '../lib/server/data/api-keys';
import { listAudit } from '../lib/server/data/audit';
import { JobQueue } from '../lib/server/jobs/job-queue';
import { logger } from '../lib/server/logger';
import { SigningKeyError } from '../lib/server/signing-keys/errors';
import {
  expireGracePeriods,
  GRACE_MARGIN_SECONDS,
  getGracePeriod,
  KEY_MAINTENANCE_QUEUE,
  scheduleKeyRingMaintenance,
} from '../lib/server/signing-keys/grace';
import { createDatabaseKeyRing } from '../lib/server/signing-keys/key-ring';
import {
  createSigningKey,
  listSigningKeys,
  revokeSigningKey,
  rotateSigningKey,
} from '../lib/server/signing-keys/manage';
import {
  decryptSecret,
  encryptSecret,
  MASTER_KEY_FILE,
  masterKey,
  parseMasterKey,
} from '../lib/server/signing-keys/master-key';
import { mintToken } from '../lib/server/signing-keys/mint-token';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';
import { lockSigningKeys } from './helpers/signing-key-lock';

let server: TestServer;
let sql: pg.Client;
let lock: { release(): Promise<void> };
const BOOTSTRAP_KEY = `cs_bootstrap-${randomBytes(24).toString('hex')}`;
const ADMIN = { id: '00000000-0000-4000-8000-00000000b002', email: 'keys-admin@example.com', ip: '198.51.100.4' };

beforeAll(async () => {
  lock = await lockSigningKeys();
  server = await startTestServer({ secrets: [FIXTURE_SECRET], env: { CALLSCOPE_BOOTSTRAP_API_KEY: BOOTSTRAP_KEY } });
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
  await lock?.release();
});

async function expectSigningKeyError(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SigningKeyError);
  expect((err as SigningKeyError).code).toBe(code);
}

describe('master key', () => {
  test('a key file is created in the data directory with mode 0600 and holds 32 random bytes', async () => {
    const file = path.join(server.dataDir, MASTER_KEY_FILE);
    const info = await stat(file);
    expect(info.mode & 0o777).toBe(0o600);
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    expect(key.length).toBe(32);
    expect(masterKey().origin).toBe('file');
    expect(masterKey().key.equals(key)).toBe(true);
  });

  test('CALLSCOPE_MASTER_KEY: hex and base64 keys are used as is, a passphrase is stretched deterministically', () => {
    const raw = randomBytes(32);
    expect(parseMasterKey(raw.toString('hex')).key.equals(raw)).toBe(true);
    expect(parseMasterKey(raw.toString('base64')).key.equals(raw)).toBe(true);
    const a = parseMasterKey('correct horse battery staple');
    expect(a.origin).toBe('env-passphrase');
    expect(a.key.length).toBe(32);
    expect(parseMasterKey('correct horse battery staple').key.equals(a.key)).toBe(true);
    expect(parseMasterKey('correct horse battery stapler').key.equals(a.key)).toBe(false);
    expect(() => parseMasterKey('short')).toThrow(/passphrase/);
  });

  test('AES-256-GCM round trip; the wrong key, the wrong context or altered data do not decrypt', () => {
    const enc = encryptSecret('s3cret-value', 'cs-abc');
    expect(enc).not.toContain('s3cret');
    expect(enc.split('.')).toHaveLength(3);
    expect(encryptSecret('s3cret-value', 'cs-abc')).not.toBe(enc); // random IV
    expect(decryptSecret(enc, 'cs-abc')).toBe('s3cret-value');
    expect(() => decryptSecret(enc, 'cs-other')).toThrow(/does not decrypt/);
    expect(() => decryptSecret(enc, 'cs-abc', randomBytes(32))).toThrow(/does not decrypt/);
    const [iv, tag, ct] = enc.split('.');
    const flipped = Buffer.from(ct, 'base64');
    flipped[0] ^= 1;
    expect(() => decryptSecret([iv, tag, flipped.toString('base64')].join('.'), 'cs-abc')).toThrow(/does not decrypt/);
  });
});

describe('signing keys', () => {
  test('secrets are encrypted at rest, shown once, never listed and never logged', async () => {
    const log = logger();
    const spies = (['info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(log, level));
    const { key, secret } = await createSigningKey({ actor: ADMIN });
    const rotated = await rotateSigningKey({ actor: ADMIN });
    const calls = spies.flatMap((s) => s.mock.calls);
    for (const s of spies) s.mockRestore();
    const logged = JSON.stringify(calls);
    expect(calls.length).toBeGreaterThan(0); // the actions were logged...
    expect(logged).not.toContain(secret); // ...without their secrets
    expect(logged).not.toContain(rotated.secret);

    expect(Buffer.byteLength(secret)).toBeGreaterThanOrEqual(32);
    expect(key.state).toBe('active');
    const { rows } = await sql.query('SELECT * FROM signing_key WHERE id = $1', [key.id]);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
    expect(stored).not.toContain(Buffer.from(secret).toString('hex'));
    expect(decryptSecret(rows[0].secret_encrypted, key.kid)).toBe(secret);

    const list = await listSigningKeys();
    const text = JSON.stringify(list);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(rotated.secret);
    expect(text).not.toContain(rows[0].secret_encrypted);
    for (const k of list) expect(Object.keys(k).some((f) => /secret/i.test(f))).toBe(false);
    const states = Object.fromEntries(list.map((k) => [k.kid, k.state]));
    expect(states[key.kid]).toBe('verifying');
    expect(states[rotated.key.kid]).toBe('active');
    // CALLSCOPE_JWT_SECRET appears read-only (and no longer signs: a database key is active).
    const envKey = list.find((k) => k.source === 'env');
    expect(envKey).toMatchObject({ kid: 'env-0', readOnly: true, state: 'verifying' });
    await expectSigningKeyError(revokeSigningKey('env-0'), 'read_only');
  });

  test('a pasted secret shorter than 32 bytes is rejected; 32 bytes are accepted and verify tokens', async () => {
    await expectSigningKeyError(rotateSigningKey({ secret: 'x'.repeat(31) }), 'secret_too_short');
    await expectSigningKeyError(rotateSigningKey({ secret: 'é'.repeat(15) }), 'secret_too_short'); // 30 bytes
    await expectSigningKeyError(rotateSigningKey({ secret: ` ${'y'.repeat(40)}` }), 'secret_invalid');
    const pasted = 'p'.repeat(32);
    const { key, secret } = await rotateSigningKey({ secret: pasted, actor: ADMIN });
    expect(secret).toBe(pasted);
    const token = await generateAuthToken({ user: 'u' }, pasted, 60, { kid: key.kid });
    const verified = await verifyIngestToken(token, server.context.keyRing);
    expect(verified.key?.kid).toBe(key.kid);
    await expectSigningKeyError(createSigningKey({ actor: ADMIN }), 'active_exists');
  });

  test('usage is counted in memory, written in batches, and listed per key; the grace default follows the longest token lifetime', async () => {
    const { key, secret } = await rotateSigningKey({ actor: ADMIN });
    const ring = server.context.keyRing;
    for (let i = 0; i < 5; i++) {
      const token = await generateAuthToken({ user: `u${i}` }, secret, i === 4 ? 7200 : 300); // no kid
      expect((await verifyIngestToken(token, ring)).key?.id).toBe(key.id);
    }
    // Nothing was written on the verification path.
    const before = await sql.query('SELECT count(*)::int AS n FROM signing_key_usage WHERE key_id = $1', [key.id]);
    expect(before.rows[0].n).toBe(0);
    expect(
      (await sql.query('SELECT last_used_at FROM signing_key WHERE id = $1', [key.id])).rows[0].last_used_at,
    ).toBeNull();

    const listed = (await listSigningKeys()).find((k) => k.id === key.id);
    expect(listed?.verifiedLast24h).toBe(5);
    expect(listed?.lastUsedAt).toBeInstanceOf(Date);
    expect(Date.now() - listed!.lastUsedAt!.getTime()).toBeLessThan(60_000);
    const after = await sql.query('SELECT count, hour FROM signing_key_usage WHERE key_id = $1', [key.id]);
    expect(after.rows).toHaveLength(1);
    expect(after.rows[0].count).toBe(5);
    expect(after.rows[0].hour.getTime() % 3_600_000).toBe(0);

    const grace = await getGracePeriod();
    expect(grace.auto).toBe(true);
    expect(grace.maxTokenLifetimeSeconds).toBe(7200);
    expect(grace.seconds).toBe(7200 + GRACE_MARGIN_SECONDS);
    const next = await rotateSigningKey({ actor: ADMIN });
    expect(next.graceSeconds).toBe(7200 + GRACE_MARGIN_SECONDS);
    expect(
      Math.abs(next.previous[0].verifyingUntil!.getTime() - Date.now() - (7200 + GRACE_MARGIN_SECONDS) * 1000),
    ).toBeLessThan(10_000);

    // The env secret's use is shown too (kept in memory).
    await verifyIngestToken(await generateAuthToken({ user: 'env' }, FIXTURE_SECRET, 60), ring);
    const envKey = (await listSigningKeys()).find((k) => k.kid === 'env-0');
    expect(envKey?.verifiedLast24h).toBe(1);
  });

  test('expireGracePeriods revokes only keys whose grace ended; the periodic maintenance does it unaided', async () => {
    const a = await rotateSigningKey({ graceSeconds: 3600, actor: ADMIN });
    const b = await rotateSigningKey({ graceSeconds: 1, actor: ADMIN }); // a: verifying for 1 s
    await rotateSigningKey({ graceSeconds: 3600, actor: ADMIN }); // b: verifying for an hour
    expect(await expireGracePeriods(new Date(Date.now() + 2000))).toEqual([a.key.kid]);
    expect(await expireGracePeriods(new Date(Date.now() + 2000))).toEqual([]);
    const states = Object.fromEntries((await listSigningKeys()).map((k) => [k.kid, k.state]));
    expect(states[a.key.kid]).toBe('revoked');
    expect(states[b.key.kid]).toBe('verifying');

    // The maintenance job, sent at once on a job queue of this test's own (servers get it every minute by cron).
    const c = await rotateSigningKey({ graceSeconds: 3600, actor: ADMIN });
    await rotateSigningKey({ graceSeconds: 1, actor: ADMIN }); // c: verifying for 1 s
    const ring = createDatabaseKeyRing([]);
    const jobs = new JobQueue({
      connectionString: inject('databaseUrl'),
      schema: `keys_test_${randomBytes(4).toString('hex')}`,
      drainTimeoutMs: 5000,
    });
    await jobs.start();
    await scheduleKeyRingMaintenance(jobs, ring);
    await new Promise((r) => setTimeout(r, 1100));
    await jobs.send(KEY_MAINTENANCE_QUEUE, {});
    try {
      await eventually(async () => {
        const { rows } = await sql.query('SELECT state FROM signing_key WHERE id = $1', [c.key.id]);
        return rows[0].state === 'revoked';
      }, 5000);
    } finally {
      await jobs.stop();
      await ring.close();
    }
    // A token with the revoked kid is refused as such.
    const token = await generateAuthToken({ user: 'u' }, c.secret, 60, { kid: c.key.kid });
    const err = await verifyIngestToken(token, server.context.keyRing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestAuthError);
    expect((err as IngestAuthError).reason).toBe('key revoked');
  });

  test('mintToken signs with the active key (kid) and falls back to the env secret without kid when no key verifies', async () => {
    const { key, secret } = await rotateSigningKey({ actor: ADMIN });
    const minted = await mintToken({ user: 'u1', session: 's1', conference: 'c1', expiresIn: 120, actor: ADMIN });
    expect(minted.kid).toBe(key.kid);
    expect(Math.abs(minted.expiresAt.getTime() - Date.now() - 120_000)).toBeLessThan(2000);
    const verified = await verifyIngestToken(minted.token, server.context.keyRing);
    expect(verified.identity).toEqual({ user: 'u1', session: 's1', conference: 'c1' });
    expect(verified.key?.id).toBe(key.id);
    expect(secret.length).toBeGreaterThan(0);

    for (const k of await listSigningKeys())
      if (k.source === 'db' && k.state !== 'revoked') await revokeSigningKey(k.id);
    const fallback = await mintToken({ user: 'u2', expiresIn: 60 });
    expect(fallback.kid).toBeNull();
    const header = JSON.parse(Buffer.from(fallback.token.split('.')[0], 'base64url').toString());
    expect(header.kid).toBeUndefined();
    expect((await verifyIngestToken(fallback.token, server.context.keyRing)).key?.kid).toBe('env-0');
    await expect(mintToken({ user: 'x', expiresIn: 0 })).rejects.toThrow(/expiresIn/);
    await expect(mintToken({ user: 'x'.repeat(300) })).rejects.toThrow(/user/);
  });
});

describe('API keys', () => {
  test('stored hashed, listed by prefix only; verify works until revoked', async () => {
    const { apiKey, key } = await createApiKey({ name: 'acme backend', role: 'admin', actor: ADMIN });
    expect(key).toMatch(/^cs_[0-9A-Za-z]{43}$/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey.prefix.length).toBeLessThan(16);

    const { rows } = await sql.query('SELECT * FROM api_key WHERE id = $1', [apiKey.id]);
    expect(JSON.stringify(rows[0])).not.toContain(key);
    expect(rows[0].hash).toBe(createHash('sha256').update(key).digest('hex'));

    const listed = (await listApiKeys()).find((k) => k.id === apiKey.id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(Object.keys(listed!)).not.toContain('hash');

    expect(await verifyApiKey(`Bearer ${key}`)).toMatchObject({ id: apiKey.id, role: 'admin' });
    expect(await verifyApiKey(key)).toMatchObject({ id: apiKey.id });
    const used = await sql.query('SELECT last_used_at FROM api_key WHERE id = $1', [apiKey.id]);
    expect(used.rows[0].last_used_at).toBeInstanceOf(Date);
    expect(await verifyApiKey(`Bearer ${key.slice(0, -1)}x`)).toBeNull();
    expect(await verifyApiKey(undefined)).toBeNull();

    await revokeApiKey(apiKey.id, { actor: ADMIN });
    expect(await verifyApiKey(`Bearer ${key}`)).toBeNull();
    expect((await listApiKeys()).find((k) => k.id === apiKey.id)?.revokedAt).toBeInstanceOf(Date);
  });

  test('CALLSCOPE_BOOTSTRAP_API_KEY provisions one admin key at start, idempotently', async () => {
    expect(await verifyApiKey(`Bearer ${BOOTSTRAP_KEY}`)).toMatchObject({ role: 'admin' });
    await provisionBootstrapApiKey(BOOTSTRAP_KEY);
    await provisionBootstrapApiKey(BOOTSTRAP_KEY);
    const hash = createHash('sha256').update(BOOTSTRAP_KEY).digest('hex');
    const { rows } = await sql.query('SELECT role, prefix FROM api_key WHERE hash = $1', [hash]);
    expect(rows).toEqual([{ role: 'admin', prefix: BOOTSTRAP_KEY.slice(0, 11) }]);
  });
});

describe('audit log', () => {
  test('records key and API-key actions and token minting with the actor, newest first, paged', async () => {
    const { apiKey } = await createApiKey({ name: 'audited', role: 'support', actor: ADMIN });
    await revokeApiKey(apiKey.id, { actor: ADMIN });
    // Other test files may write audit rows meanwhile: look at this key's rows only.
    const all = await listAudit({ limit: 500 });
    const mine = all.entries.filter((e) => e.target === apiKey.prefix);
    expect(mine.map((e) => e.action)).toEqual(['api_key.revoke', 'api_key.create']);
    for (const e of mine) {
      expect(e).toMatchObject({ actorId: ADMIN.id, actorEmail: ADMIN.email, ip: ADMIN.ip, detail: { id: apiKey.id } });
      expect(e.at).toBeInstanceOf(Date);
    }
    // Paging: each page continues strictly below the previous one.
    const page1 = await listAudit({ limit: 1 });
    expect(page1.entries).toHaveLength(1);
    expect(page1.nextCursor).toBe(page1.entries[0].id);
    const page2 = await listAudit({ limit: 1, cursor: page1.nextCursor });
    expect(BigInt(page2.entries[0].id)).toBeLessThan(BigInt(page1.entries[0].id));
    await expect(listAudit({ cursor: '1; DROP TABLE audit_log' })).rejects.toThrow(/cursor/);
    const actions = new Set(all.entries.filter((e) => e.actorEmail === ADMIN.email).map((e) => e.action));
    for (const a of ['signing_key.create', 'signing_key.rotate', 'token.mint', 'api_key.create', 'api_key.revoke']) {
      expect(actions.has(a)).toBe(true);
    }
    // Secrets and keys never reach the audit log.
    expect(JSON.stringify(all.entries)).not.toMatch(/cs_[0-9A-Za-z]{43}|eyJ/);
  });
});
