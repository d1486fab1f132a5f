import { decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { setGracePeriodSeconds } from '../lib/server/signing-keys/grace';
import { createSigningKey, revokeSigningKey, rotateSigningKey } from '../lib/server/signing-keys/manage';
import { mintToken } from '../lib/server/signing-keys/mint-token';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { startTestServer, type TestServer } from './helpers/server';
import { lockSigningKeys } from './helpers/signing-key-lock';

/**
 * Rotation without downtime, end to end: real server (no CALLSCOPE_JWT_SECRET, keys only in the database), real
 * WebSockets, real PostgreSQL.
 */

let server: TestServer;
let sql: pg.Client;
let lock: { release(): Promise<void> };

const ADMIN = { id: '00000000-0000-4000-8000-00000000a001', email: 'admin@example.com', ip: '203.0.113.7' };

beforeAll(async () => {
  lock = await lockSigningKeys();
  server = await startTestServer({ secrets: [] });
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
  await lock?.release();
});

function unique(prefix: string) {
  return `${prefix}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
}

async function sessionRow(session: string) {
  const { rows } = await sql.query('SELECT * FROM "rtcstats-server" WHERE rtcstats_session = $1', [session]);
  return rows[0];
}

/** A token for a fresh session id, signed with `secret` (with or without kid). */
async function tokenFor(secret: string, kid?: string) {
  const session = unique('sess');
  const token = await generateAuthToken(
    { user: 'u_rot', session, conference: 'c_rot' },
    secret,
    600,
    kid ? { kid } : {},
  );
  return { token, session };
}

/** Connects, proves the server accepted the client (a session row verified by `keyId` exists), then leaves. */
async function expectAccepted(t: { token: string; session: string }, keyId: string) {
  const ws = openIngestSocket(server.wsUrl, { token: t.token });
  const closed = waitClose(ws);
  await waitOpen(ws);
  ws.send(JSON.stringify([39, null, { hardwareConcurrency: 4 }, Date.now()]));
  const row = await eventually(async () => sessionRow(t.session));
  expect(row.signing_key_id).toBe(keyId);
  ws.close(1000);
  expect((await closed).code).toBe(1000);
}

async function expectRefused(token: string): Promise<string> {
  const ws = openIngestSocket(server.wsUrl, { token });
  const closed = await waitClose(ws);
  expect(closed.code).toBe(1008);
  return closed.reason;
}

describe('signing key rotation over real WebSockets', () => {
  test('with no key auth is off; creating a key turns it on in this process at once', async () => {
    expect(await server.context.keyRing.authRequired()).toBe(false);
    const { key } = await createSigningKey({ actor: ADMIN });
    // No waiting for the cache TTL: create invalidates the ring.
    expect(await server.context.keyRing.authRequired()).toBe(true);
    const ws = openIngestSocket(server.wsUrl);
    const closed = await waitClose(ws);
    expect(closed).toEqual({ code: 1008, reason: 'rtcstats-token is missing' });
    await revokeSigningKey(key.id, { actor: ADMIN });
    expect(await server.context.keyRing.authRequired()).toBe(false);
  });

  test('old-key tokens work during the grace period and are refused after revocation; new-key tokens work throughout; an open session keeps streaming', async () => {
    const created = await createSigningKey({ actor: ADMIN });
    const keyA = created.key;
    const secretA = created.secret;

    // Tokens minted before the rotation, as clients would hold them.
    const mintedA = await mintToken({
      user: 'u_rot',
      session: unique('sess'),
      conference: 'c_rot',
      expiresIn: 600,
      actor: ADMIN,
    });
    expect(decodeProtectedHeader(mintedA.token).kid).toBe(keyA.kid);
    expect(mintedA.kid).toBe(keyA.kid);
    const aWithKid = [
      await tokenFor(secretA, keyA.kid),
      await tokenFor(secretA, keyA.kid),
      await tokenFor(secretA, keyA.kid),
    ];
    const aNoKid = [await tokenFor(secretA), await tokenFor(secretA), await tokenFor(secretA)];
    await expectAccepted(aWithKid[0], keyA.id);
    await expectAccepted(aNoKid[0], keyA.id);

    // A session opened before the rotation.
    const longSession = unique('sess_long');
    const longToken = await generateAuthToken(
      { user: 'u_long', session: longSession, conference: 'c_rot' },
      secretA,
      600,
      {
        kid: keyA.kid,
      },
    );
    const long = openIngestSocket(server.wsUrl, { token: longToken });
    const longClosed = waitClose(long);
    await waitOpen(long);
    let sent = 0;
    const sendLong = () => {
      long.send(JSON.stringify([39, null, { n: ++sent }, Date.now()]));
    };
    sendLong();
    sendLong();
    await eventually(async () => (await sessionRow(longSession))?.signing_key_id === keyA.id);

    // Rotate: B is active now, A verifies for the grace period.
    const rotated = await rotateSigningKey({ graceSeconds: 120, actor: ADMIN });
    const keyB = rotated.key;
    expect(rotated.previous.map((p) => p.kid)).toEqual([keyA.kid]);
    expect(rotated.previous[0].state).toBe('verifying');
    expect(rotated.previous[0].verifyingUntil!.getTime()).toBeGreaterThan(Date.now() + 100_000);
    expect(rotated.secret).not.toBe(secretA);
    sendLong();

    // Tokens minted by Callscope now carry B's kid.
    const mintedB = await mintToken({ user: 'u_rot', session: unique('sess'), conference: 'c_rot', expiresIn: 600 });
    expect(decodeProtectedHeader(mintedB.token).kid).toBe(keyB.kid);

    // During the grace period: old tokens (with kid, without kid, minted by Callscope) and new tokens connect.
    await expectAccepted(aWithKid[1], keyA.id);
    await expectAccepted(aNoKid[1], keyA.id);
    await expectAccepted({ token: mintedA.token, session: decodeSession(mintedA.token) }, keyA.id);
    await expectAccepted({ token: mintedB.token, session: decodeSession(mintedB.token) }, keyB.id);
    await expectAccepted(await tokenFor(rotated.secret), keyB.id);
    sendLong();

    // A token with B's kid but A's secret is not accepted by trying other keys: the kid pins the key.
    expect(await expectRefused((await tokenFor(secretA, keyB.kid)).token)).toContain('invalid signature');

    // Revoke A: its tokens are refused at once, B's still connect.
    await revokeSigningKey(keyA.kid, { actor: ADMIN });
    expect(await expectRefused(aWithKid[2].token)).toContain('key revoked');
    expect(await expectRefused(aNoKid[2].token)).toContain('invalid signature');
    await expectAccepted(await tokenFor(rotated.secret, keyB.kid), keyB.id);
    await expectAccepted(await tokenFor(rotated.secret), keyB.id);
    expect(await sessionRow(aWithKid[2].session)).toBeUndefined();

    // The session opened before the rotation was never interrupted: frames sent after revocation are stored.
    sendLong();
    sendLong();
    expect(long.readyState).toBe(long.OPEN);
    long.close(1000);
    expect((await longClosed).code).toBe(1000);
    const row = await eventually(async () => {
      const r = await sessionRow(longSession);
      return r?.session_end ? r : undefined;
    });
    expect(sent).toBe(6);
    expect(row.message_count).toBe(sent);
    expect(row.close_code).toBe(1000);

    // Every action is in the audit log with the actor.
    const { rows: audit } = await sql.query(
      `SELECT action, target, actor_id, actor_email, ip FROM audit_log WHERE target = ANY($1) ORDER BY id`,
      [[keyA.kid, keyB.kid]],
    );
    const byAdmin = audit.filter((a) => a.actor_email === ADMIN.email);
    expect(byAdmin.map((a) => `${a.action} ${a.target}`)).toEqual([
      `signing_key.create ${keyA.kid}`,
      `token.mint ${keyA.kid}`,
      `signing_key.rotate ${keyB.kid}`,
      `signing_key.revoke ${keyA.kid}`,
    ]);
    for (const a of byAdmin) {
      expect(a.actor_id).toBe(ADMIN.id);
      expect(a.ip).toBe(ADMIN.ip);
    }
    // The mint without an actor is recorded as the system's.
    expect(audit.some((a) => a.action === 'token.mint' && a.target === keyB.kid && a.actor_email === 'system')).toBe(
      true,
    );
  });

  test('the grace period ends by itself: the old key becomes revoked and its tokens are refused', async () => {
    const before = await rotateSigningKey({ actor: ADMIN });
    await setGracePeriodSeconds(1, { actor: ADMIN });
    const rotated = await rotateSigningKey({ actor: ADMIN });
    expect(rotated.graceSeconds).toBe(1);
    const old = await tokenFor(before.secret, before.key.kid);
    const later = await tokenFor(before.secret, before.key.kid);
    await expectAccepted(old, before.key.id);

    await new Promise((r) => setTimeout(r, 1200));
    // Nobody calls expireGracePeriods here: the ring refuses the key and revokes it in the database.
    expect(await expectRefused(later.token)).toContain('key revoked');
    const state = await eventually(async () => {
      const { rows } = await sql.query('SELECT state, revoked_at FROM signing_key WHERE id = $1', [before.key.id]);
      return rows[0]?.state === 'revoked' ? rows[0] : undefined;
    });
    expect(state.revoked_at).toBeInstanceOf(Date);
    const { rows: expired } = await sql.query(
      `SELECT actor_email FROM audit_log WHERE action = 'signing_key.grace_expired' AND target = $1`,
      [before.key.kid],
    );
    expect(expired).toEqual([{ actor_email: 'system' }]);
    // The new key is unaffected.
    await expectAccepted(await tokenFor(rotated.secret, rotated.key.kid), rotated.key.id);
    await setGracePeriodSeconds(null);
  });
});

function decodeSession(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  return payload.rtcStats.session;
}
