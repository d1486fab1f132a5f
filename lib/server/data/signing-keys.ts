import { randomBytes } from 'node:crypto';
import type { Prisma } from '@/lib/generated/prisma/client';
import { decryptSecret, encryptSecret } from '@/lib/server/crypto/master-key';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import { db } from '@/lib/server/db/client';
import { logger } from '@/lib/server/logger';

/**
 * JWT signing keys for ingest tokens, kept in the database with their secrets encrypted by the master key.
 *
 * States: `active` (signs tokens minted by Callscope, verifies), `verifying` (verifies only, until
 * `verifyingUntil`), `revoked` (verifies nothing). Rotation makes a new active key and turns the previous one into
 * `verifying` for a grace period; `expireGracePeriods()` revokes it when the period ends.
 *
 * A secret leaves this module only twice: in the answer to the create/rotate call that made it (shown once), and
 * decrypted for the key ring (`loadKeyRingRows`). It is never logged and never listed.
 */

export type SigningKeyState = 'active' | 'verifying' | 'revoked';

export interface SigningKeyInfo {
  /** Database id; for env keys, the kid. */
  id: string;
  kid: string;
  /** `env` keys come from CALLSCOPE_JWT_SECRET: read-only, they cannot be rotated or revoked from settings. */
  source: 'db' | 'env';
  readOnly: boolean;
  state: SigningKeyState;
  createdAt: Date | null;
  activatedAt: Date | null;
  verifyingUntil: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** Tokens verified with this key in the last 24 hours (hourly buckets). */
  verifiedLast24h: number;
  createdById: string | null;
}

export interface GracePeriod {
  /** The grace period a rotation uses now. */
  seconds: number;
  /** `true` when derived from the longest token lifetime seen (no admin override). */
  auto: boolean;
  /** Admin override, or null. */
  overrideSeconds: number | null;
  /** Longest `exp - iat` seen on a verified or minted token (capped), or null when none was seen yet. */
  maxTokenLifetimeSeconds: number | null;
  marginSeconds: number;
}

export type SigningKeyErrorCode =
  | 'secret_too_short'
  | 'secret_invalid'
  | 'active_exists'
  | 'not_found'
  | 'read_only'
  | 'invalid_grace';

export class SigningKeyError extends Error {
  constructor(
    readonly code: SigningKeyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/** RFC 7518 §3.2: an HS256 key has at least 256 bits. */
export const MIN_SECRET_BYTES = 32;
/** Used for the grace period when no token has been seen yet: rtcstats' `generateAuthToken` default. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
/** Added to the longest lifetime: clock skew, key-cache lifetime, a token minted just before the rotation. */
export const GRACE_MARGIN_SECONDS = 600;
/** A token claiming a longer lifetime does not stretch the automatic grace period beyond this. */
export const MAX_AUTO_LIFETIME_SECONDS = 30 * 24 * 3600;
export const MAX_GRACE_SECONDS = 365 * 24 * 3600;

export const SETTING_GRACE_PERIOD = 'signingKeys.gracePeriodSeconds';
export const SETTING_MAX_TOKEN_LIFETIME = 'signingKeys.maxTokenLifetimeSeconds';

const ROTATION_LOCK = 0x63736b72; // 'cskr': serialises create/rotate across processes

// ---------------------------------------------------------------------------------------------------------------
// Change notifications and env-key stats, on globalThis: server.ts and the Next-bundled route handlers load this
// module separately but must reach the same key ring.

export interface EnvKeyView {
  kid: string;
  lastUsedAt: Date | null;
  verifiedLast24h: number;
}

interface RingHooks {
  invalidate(): void;
  flushUsage(): Promise<void>;
  envKeys(): EnvKeyView[];
}

const hooksKey = Symbol.for('callscope.signingKeys.rings');
type Holder = { [hooksKey]?: Set<RingHooks> };

function rings(): Set<RingHooks> {
  const holder = globalThis as Holder;
  holder[hooksKey] ??= new Set();
  return holder[hooksKey];
}

/** A key ring registers here so changes made anywhere in the process take effect in it at once. */
export function registerKeyRing(hooks: RingHooks): () => void {
  rings().add(hooks);
  return () => rings().delete(hooks);
}

export function notifySigningKeysChanged(): void {
  for (const r of rings()) r.invalidate();
}

// ---------------------------------------------------------------------------------------------------------------

/** A new secret: 32 random bytes as base64url (43 characters; its UTF-8 bytes are the HMAC key). */
export function generateSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Checks a pasted secret: ≥ 32 bytes, no surrounding whitespace or control characters. */
export function checkPastedSecret(secret: string): string {
  if (typeof secret !== 'string' || Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new SigningKeyError(
      'secret_too_short',
      `a signing secret needs at least ${MIN_SECRET_BYTES} bytes (256 bits)`,
    );
  }
  const hasControl = [...secret].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (secret !== secret.trim() || hasControl) {
    throw new SigningKeyError(
      'secret_invalid',
      'a signing secret must not contain whitespace at its ends or control characters',
    );
  }
  return secret;
}

function newKid(): string {
  return `cs-${randomBytes(6).toString('hex')}`;
}

type Row = Prisma.SigningKeyGetPayload<object>;

function info(row: Row, usage = 0): SigningKeyInfo {
  return {
    id: row.id,
    kid: row.kid,
    source: 'db',
    readOnly: false,
    state: row.state as SigningKeyState,
    createdAt: row.createdAt,
    activatedAt: row.activatedAt,
    verifyingUntil: row.verifyingUntil,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    verifiedLast24h: usage,
    createdById: row.createdById,
  };
}

async function lockRotation(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ROTATION_LOCK}::bigint)`;
}

async function insertKey(
  tx: Prisma.TransactionClient,
  secret: string,
  actor: Actor | undefined,
  now: Date,
): Promise<Row> {
  const kid = newKid();
  return tx.signingKey.create({
    data: {
      kid,
      secretEncrypted: encryptSecret(secret, kid),
      state: 'active',
      createdAt: now,
      activatedAt: now,
      createdById: actorUuid(actor),
    },
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function actorUuid(actor: Actor | undefined): string | null {
  return actor?.id && UUID.test(actor.id) ? actor.id : null;
}

/**
 * Creates the first signing key (active). With `secret` the pasted secret is checked and used, otherwise the server
 * generates one. Fails with `active_exists` when an active key exists (use `rotateSigningKey`).
 * The returned `secret` is the only time it is ever shown.
 */
export async function createSigningKey(
  opts: { secret?: string; actor?: Actor } = {},
): Promise<{ key: SigningKeyInfo; secret: string }> {
  const secret = opts.secret !== undefined ? checkPastedSecret(opts.secret) : generateSigningSecret();
  const row = await db().$transaction(async (tx) => {
    await lockRotation(tx);
    const active = await tx.signingKey.count({ where: { state: 'active' } });
    if (active > 0) throw new SigningKeyError('active_exists', 'an active signing key exists: rotate it instead');
    const created = await insertKey(tx, secret, opts.actor, new Date());
    await auditFor(opts.actor, 'signing_key.create', created.kid, { pasted: opts.secret !== undefined }, tx);
    return created;
  });
  notifySigningKeysChanged();
  logger().info({ kid: row.kid }, 'signing key created');
  return { key: info(row), secret };
}

/**
 * Rotation: a new active key; the previous active key verifies only until now + grace period, then is revoked by
 * `expireGracePeriods()`. `graceSeconds` overrides the configured grace for this rotation; 0 revokes the previous
 * key at once (emergency rotation: its tokens are refused from now on). Works with no active key too.
 */
export async function rotateSigningKey(
  opts: { secret?: string; graceSeconds?: number; actor?: Actor } = {},
): Promise<{ key: SigningKeyInfo; secret: string; previous: SigningKeyInfo[]; graceSeconds: number }> {
  const secret = opts.secret !== undefined ? checkPastedSecret(opts.secret) : generateSigningSecret();
  const graceSeconds =
    opts.graceSeconds !== undefined ? checkGrace(opts.graceSeconds) : (await getGracePeriod()).seconds;
  const result = await db().$transaction(async (tx) => {
    await lockRotation(tx);
    const now = new Date();
    const previous = await tx.signingKey.findMany({ where: { state: 'active' } });
    const demoted: Row[] = [];
    for (const p of previous) {
      demoted.push(
        await tx.signingKey.update({
          where: { id: p.id },
          data:
            graceSeconds === 0
              ? { state: 'revoked', revokedAt: now, verifyingUntil: now }
              : { state: 'verifying', verifyingUntil: new Date(now.getTime() + graceSeconds * 1000) },
        }),
      );
    }
    const created = await insertKey(tx, secret, opts.actor, now);
    await auditFor(
      opts.actor,
      'signing_key.rotate',
      created.kid,
      {
        previous: demoted.map((d) => d.kid),
        graceSeconds,
        verifyingUntil: demoted[0]?.verifyingUntil?.toISOString() ?? null,
        pasted: opts.secret !== undefined,
      },
      tx,
    );
    return { created, demoted };
  });
  notifySigningKeysChanged();
  logger().info(
    { kid: result.created.kid, previous: result.demoted.map((d) => d.kid), graceSeconds },
    'signing key rotated',
  );
  return { key: info(result.created), secret, previous: result.demoted.map((d) => info(d)), graceSeconds };
}

/** Revokes a key (by id or kid) now: tokens signed with it are refused ('key revoked'). Idempotent. */
export async function revokeSigningKey(idOrKid: string, opts: { actor?: Actor } = {}): Promise<SigningKeyInfo> {
  if (/^env-\d+$/.test(idOrKid)) {
    throw new SigningKeyError(
      'read_only',
      'keys from CALLSCOPE_JWT_SECRET are read-only: remove them from the environment',
    );
  }
  const where = UUID.test(idOrKid) ? { id: idOrKid } : { kid: idOrKid };
  const row = await db().$transaction(async (tx) => {
    const existing = await tx.signingKey.findUnique({ where });
    if (!existing) throw new SigningKeyError('not_found', 'no such signing key');
    if (existing.state === 'revoked') return existing;
    const updated = await tx.signingKey.update({
      where: { id: existing.id },
      data: { state: 'revoked', revokedAt: new Date() },
    });
    await auditFor(opts.actor, 'signing_key.revoke', existing.kid, { previousState: existing.state }, tx);
    return updated;
  });
  notifySigningKeysChanged();
  logger().info({ kid: row.kid }, 'signing key revoked');
  return info(row);
}

/**
 * Turns every `verifying` key whose grace period has ended into `revoked`. Called by the key ring when it sees
 * one and by server.ts's periodic timer. Returns the kids revoked.
 */
export async function expireGracePeriods(now: Date = new Date()): Promise<string[]> {
  const expired = await db().signingKey.findMany({
    where: { state: 'verifying', verifyingUntil: { lte: now } },
    select: { id: true, kid: true, verifyingUntil: true },
  });
  const revoked: string[] = [];
  for (const key of expired) {
    // Conditional update: another process (or a concurrent call) may have done it already. The state change and
    // its audit row commit together, so nobody sees a revoked key without its record.
    const done = await db().$transaction(async (tx) => {
      const { count } = await tx.signingKey.updateMany({
        where: { id: key.id, state: 'verifying', verifyingUntil: { lte: now } },
        data: { state: 'revoked', revokedAt: now },
      });
      if (count !== 1) return false;
      await auditFor(
        undefined,
        'signing_key.grace_expired',
        key.kid,
        { verifyingUntil: key.verifyingUntil?.toISOString() ?? null },
        tx,
      );
      return true;
    });
    if (done) revoked.push(key.kid);
  }
  // Usage buckets older than a week serve nothing (the UI shows 24 h).
  await db().signingKeyUsage.deleteMany({ where: { hour: { lt: new Date(now.getTime() - 7 * 24 * 3600_000) } } });
  if (revoked.length) {
    notifySigningKeysChanged();
    logger().info({ kids: revoked }, 'grace period ended: signing keys revoked');
  }
  return revoked;
}

/** Every key, newest first, env keys (read-only) last. Never includes a secret. */
export async function listSigningKeys(): Promise<SigningKeyInfo[]> {
  // Counters are batched in memory by the ring; flush them so the list is current.
  await Promise.all([...rings()].map((r) => r.flushUsage().catch(() => {})));
  const since = new Date(Date.now() - 24 * 3600_000);
  const [rows, usage] = await Promise.all([
    db().signingKey.findMany({ orderBy: { createdAt: 'desc' } }),
    db().signingKeyUsage.groupBy({ by: ['keyId'], where: { hour: { gt: since } }, _sum: { count: true } }),
  ]);
  const counts = new Map(usage.map((u) => [u.keyId, u._sum.count ?? 0]));
  const list = rows.map((r) => info(r, counts.get(r.id) ?? 0));
  const envViews = [...rings()][0]?.envKeys() ?? [];
  // The first env secret signs Callscope's tokens while no database key is active (see mintToken).
  const dbSigns = rows.some((r) => r.state === 'active');
  for (const [i, e] of envViews.entries()) {
    list.push({
      id: e.kid,
      kid: e.kid,
      source: 'env',
      readOnly: true,
      state: i === 0 && !dbSigns ? 'active' : 'verifying',
      createdAt: null,
      activatedAt: null,
      verifyingUntil: null,
      revokedAt: null,
      lastUsedAt: e.lastUsedAt,
      verifiedLast24h: e.verifiedLast24h,
      createdById: null,
    });
  }
  return list;
}

// ---------------------------------------------------------------------------------------------------------------
// Grace period

function checkGrace(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_GRACE_SECONDS) {
    throw new SigningKeyError('invalid_grace', `the grace period is between 0 and ${MAX_GRACE_SECONDS} seconds`);
  }
  return Math.round(seconds);
}

function numberSetting(value: Prisma.JsonValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export async function getGracePeriod(): Promise<GracePeriod> {
  const rows = await db().setting.findMany({
    where: { key: { in: [SETTING_GRACE_PERIOD, SETTING_MAX_TOKEN_LIFETIME] } },
  });
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  const overrideSeconds = numberSetting(byKey.get(SETTING_GRACE_PERIOD));
  const seen = numberSetting(byKey.get(SETTING_MAX_TOKEN_LIFETIME));
  const lifetime = Math.min(seen ?? DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_AUTO_LIFETIME_SECONDS);
  return {
    seconds: overrideSeconds ?? lifetime + GRACE_MARGIN_SECONDS,
    auto: overrideSeconds === null,
    overrideSeconds,
    maxTokenLifetimeSeconds: seen,
    marginSeconds: GRACE_MARGIN_SECONDS,
  };
}

/** Sets the grace period used by rotations (seconds), or `null` to go back to the automatic one. */
export async function setGracePeriodSeconds(
  seconds: number | null,
  opts: { actor?: Actor } = {},
): Promise<GracePeriod> {
  if (seconds === null) {
    await db().setting.deleteMany({ where: { key: SETTING_GRACE_PERIOD } });
  } else {
    const value = checkGrace(seconds);
    await db().setting.upsert({
      where: { key: SETTING_GRACE_PERIOD },
      create: { key: SETTING_GRACE_PERIOD, value },
      update: { value },
    });
  }
  await auditFor(opts.actor, 'signing_key.grace_period_set', null, { seconds });
  return getGracePeriod();
}

/** Raises the stored longest token lifetime to `seconds` if it is longer (never lowers it). */
export async function noteTokenLifetime(seconds: number): Promise<void> {
  if (!Number.isFinite(seconds) || seconds <= 0) return;
  const value = Math.round(Math.min(seconds, MAX_AUTO_LIFETIME_SECONDS));
  await db().$executeRaw`
    INSERT INTO "setting" ("key", "value", "updated_at") VALUES (${SETTING_MAX_TOKEN_LIFETIME}, to_jsonb(${value}::int), now())
    ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "updated_at" = now()
    WHERE jsonb_typeof("setting"."value") <> 'number' OR ("setting"."value")::numeric < ${value}::numeric`;
}

// ---------------------------------------------------------------------------------------------------------------
// For the key ring

export interface UsageBatchEntry {
  keyId: string;
  /** Start of the hour (UTC) the verifications happened in. */
  hour: Date;
  count: number;
  lastUsedAt: Date;
}

/** Writes batched usage counters (one upsert per key and hour). Keys deleted meanwhile are skipped. */
export async function recordSigningKeyUsage(batch: UsageBatchEntry[]): Promise<void> {
  if (batch.length === 0) return;
  const lastUsed = new Map<string, Date>();
  for (const e of batch) {
    const prev = lastUsed.get(e.keyId);
    if (!prev || prev < e.lastUsedAt) lastUsed.set(e.keyId, e.lastUsedAt);
  }
  await db().$transaction([
    ...batch.map(
      (e) => db().$executeRaw`
        INSERT INTO "signing_key_usage" ("key_id", "hour", "count")
        SELECT "id", ${e.hour}::timestamptz, ${e.count}::int FROM "signing_key" WHERE "id" = ${e.keyId}::uuid
        ON CONFLICT ("key_id", "hour") DO UPDATE SET "count" = "signing_key_usage"."count" + EXCLUDED."count"`,
    ),
    ...[...lastUsed].map(
      ([keyId, at]) => db().$executeRaw`
        UPDATE "signing_key" SET "last_used_at" = GREATEST(COALESCE("last_used_at", ${at}::timestamptz), ${at}::timestamptz)
        WHERE "id" = ${keyId}::uuid`,
    ),
  ]);
}

export interface KeyRingRow {
  id: string;
  kid: string;
  state: SigningKeyState;
  verifyingUntil: Date | null;
  /** Decrypted secret for keys that may verify; absent for revoked keys or when decryption failed. */
  secret?: Uint8Array;
  decryptFailed?: boolean;
}

/** Every key with the secrets of those that may verify, decrypted (for the key ring's in-memory cache). */
export async function loadKeyRingRows(now: Date = new Date()): Promise<KeyRingRow[]> {
  const rows = await db().signingKey.findMany({ orderBy: { createdAt: 'desc' } });
  return rows.map((r) => {
    const state = r.state as SigningKeyState;
    const base: KeyRingRow = { id: r.id, kid: r.kid, state, verifyingUntil: r.verifyingUntil };
    const verifies = state === 'active' || (state === 'verifying' && (!r.verifyingUntil || r.verifyingUntil > now));
    if (!verifies) return base;
    try {
      return { ...base, secret: new TextEncoder().encode(decryptSecret(r.secretEncrypted, r.kid)) };
    } catch {
      return { ...base, decryptFailed: true };
    }
  });
}
