import type { Prisma } from '@/lib/generated/prisma/client';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import { db } from '@/lib/server/db/client';
import { isUuid } from '@/lib/shared/uuid';

/**
 * Database access for signing keys: the `signing_key` rows, their hourly `signing_key_usage` counters and the
 * `signingKeys.*` settings. Every change commits together with its audit row. Secrets arrive and leave encrypted
 * (lib/server/signing-keys encrypts with the master key and decrypts for the ring): no plaintext passes here.
 */

export type SigningKeyRow = Prisma.SigningKeyGetPayload<object>;

const ROTATION_LOCK = 0x63736b72; // 'cskr': serialises create/rotate across processes
const SETTING_GRACE_PERIOD = 'signingKeys.gracePeriodSeconds';
const SETTING_MAX_TOKEN_LIFETIME = 'signingKeys.maxTokenLifetimeSeconds';

/** actor_id / created_by hold staff ids only. */
function actorUuid(actor: Actor | undefined): string | null {
  return actor?.id && isUuid(actor.id) ? actor.id : null;
}

async function lockRotation(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ROTATION_LOCK}::bigint)`;
}

async function insertActiveKey(tx: Prisma.TransactionClient, key: NewKey, now: Date): Promise<SigningKeyRow> {
  return tx.signingKey.create({
    data: {
      kid: key.kid,
      secretEncrypted: key.secretEncrypted,
      state: 'active',
      createdAt: now,
      activatedAt: now,
      createdById: actorUuid(key.actor),
    },
  });
}

interface NewKey {
  kid: string;
  /** The secret, encrypted with the master key for this kid. */
  secretEncrypted: string;
  /** The secret was pasted by the admin (recorded in the audit row). */
  pasted: boolean;
  actor?: Actor;
}

/** Inserts the first active key; `null` (nothing written) when an active key exists. */
export async function insertFirstKey(key: NewKey): Promise<SigningKeyRow | null> {
  return db().$transaction(async (tx) => {
    await lockRotation(tx);
    if ((await tx.signingKey.count({ where: { state: 'active' } })) > 0) return null;
    const created = await insertActiveKey(tx, key, new Date());
    await auditFor(key.actor, 'signing_key.create', created.kid, { pasted: key.pasted }, tx);
    return created;
  });
}

/** Demotes the active keys (verifying until now + grace; revoked at once for 0) and inserts a new active key. */
export async function insertRotatedKey(
  key: NewKey & { graceSeconds: number },
): Promise<{ created: SigningKeyRow; demoted: SigningKeyRow[] }> {
  return db().$transaction(async (tx) => {
    await lockRotation(tx);
    const now = new Date();
    const previous = await tx.signingKey.findMany({ where: { state: 'active' } });
    const demoted: SigningKeyRow[] = [];
    for (const p of previous) {
      demoted.push(
        await tx.signingKey.update({
          where: { id: p.id },
          data:
            key.graceSeconds === 0
              ? { state: 'revoked', revokedAt: now, verifyingUntil: now }
              : { state: 'verifying', verifyingUntil: new Date(now.getTime() + key.graceSeconds * 1000) },
        }),
      );
    }
    const created = await insertActiveKey(tx, key, now);
    const detail = {
      previous: demoted.map((d) => d.kid),
      graceSeconds: key.graceSeconds,
      verifyingUntil: demoted[0]?.verifyingUntil?.toISOString() ?? null,
      pasted: key.pasted,
    };
    await auditFor(key.actor, 'signing_key.rotate', created.kid, detail, tx);
    return { created, demoted };
  });
}

/** Revokes a key (by id or kid) now; idempotent. `null` when there is no such key. */
export async function updateKeyRevoked(idOrKid: string, actor: Actor | undefined): Promise<SigningKeyRow | null> {
  const where = isUuid(idOrKid) ? { id: idOrKid } : { kid: idOrKid };
  return db().$transaction(async (tx) => {
    const existing = await tx.signingKey.findUnique({ where });
    if (!existing) return null;
    if (existing.state === 'revoked') return existing;
    const updated = await tx.signingKey.update({
      where: { id: existing.id },
      data: { state: 'revoked', revokedAt: new Date() },
    });
    await auditFor(actor, 'signing_key.revoke', existing.kid, { previousState: existing.state }, tx);
    return updated;
  });
}

/** Turns `verifying` keys whose grace period ended by `now` into `revoked`; returns their kids. */
export async function updateKeysPastGrace(now: Date): Promise<string[]> {
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
      const detail = { verifyingUntil: key.verifyingUntil?.toISOString() ?? null };
      await auditFor(undefined, 'signing_key.grace_expired', key.kid, detail, tx);
      return true;
    });
    if (done) revoked.push(key.kid);
  }
  return revoked;
}

/** Every key, newest first, with the tokens it verified since `since` (by key id). */
export async function selectKeysWithUsage(
  since: Date,
): Promise<{ rows: SigningKeyRow[]; verified: Map<string, number> }> {
  const [rows, usage] = await Promise.all([
    db().signingKey.findMany({ orderBy: { createdAt: 'desc' } }),
    db().signingKeyUsage.groupBy({ by: ['keyId'], where: { hour: { gt: since } }, _sum: { count: true } }),
  ]);
  return { rows, verified: new Map(usage.map((u) => [u.keyId, u._sum.count ?? 0])) };
}

/** Every key, newest first, as the key ring needs it (the ring decrypts the secrets of those that may verify). */
export async function selectKeysForRing() {
  return db().signingKey.findMany({
    orderBy: { createdAt: 'desc' },
    select: { id: true, kid: true, state: true, verifyingUntil: true, secretEncrypted: true },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Usage counters

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

export async function deleteUsageBefore(before: Date): Promise<void> {
  await db().signingKeyUsage.deleteMany({ where: { hour: { lt: before } } });
}

// ---------------------------------------------------------------------------------------------------------------
// Settings: the grace period override and the longest token lifetime seen

function numberSetting(value: Prisma.JsonValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export async function readGraceSettings(): Promise<{ overrideSeconds: number | null; maxLifetimeSeen: number | null }> {
  const rows = await db().setting.findMany({
    where: { key: { in: [SETTING_GRACE_PERIOD, SETTING_MAX_TOKEN_LIFETIME] } },
  });
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  return {
    overrideSeconds: numberSetting(byKey.get(SETTING_GRACE_PERIOD)),
    maxLifetimeSeen: numberSetting(byKey.get(SETTING_MAX_TOKEN_LIFETIME)),
  };
}

/** Stores the grace period override; `null` removes it. */
export async function writeGraceOverride(seconds: number | null): Promise<void> {
  if (seconds === null) {
    await db().setting.deleteMany({ where: { key: SETTING_GRACE_PERIOD } });
  } else {
    await db().setting.upsert({
      where: { key: SETTING_GRACE_PERIOD },
      create: { key: SETTING_GRACE_PERIOD, value: seconds },
      update: { value: seconds },
    });
  }
}

/** Raises the stored longest token lifetime to `seconds` (a whole number) if it is longer; never lowers it. */
export async function raiseMaxTokenLifetime(seconds: number): Promise<void> {
  await db().$executeRaw`
    INSERT INTO "setting" ("key", "value", "updated_at") VALUES (${SETTING_MAX_TOKEN_LIFETIME}, to_jsonb(${seconds}::int), now())
    ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "updated_at" = now()
    WHERE jsonb_typeof("setting"."value") <> 'number' OR ("setting"."value")::numeric < ${seconds}::numeric`;
}
