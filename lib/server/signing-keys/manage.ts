import { randomBytes } from 'node:crypto';
import type { SigningKeyDto, SigningKeyState } from '@/lib/schemas/settings';
import type { Actor } from '@/lib/server/data/audit';
import { epochMsOrNull } from '@/lib/server/data/round-numbers';
import {
  insertFirstKey,
  insertRotatedKey,
  type SigningKeyRow,
  selectKeysWithUsage,
  updateKeyRevoked,
} from '@/lib/server/data/signing-keys';
import { logger } from '@/lib/server/logger';
import { SigningKeyError } from '@/lib/server/signing-keys/errors';
import { checkGrace, getGracePeriod } from '@/lib/server/signing-keys/grace';
import { encryptSecret } from '@/lib/server/signing-keys/master-key';
import { processKeyRing, signingKeysChanged } from '@/lib/server/signing-keys/process-ring';
import type { EnvKeyView } from '@/lib/server/signing-keys/types';

/**
 * Managing the JWT signing keys of ingest tokens (settings → keys): create, rotate, revoke, list.
 *
 * States: `active` (signs tokens minted by Callscope, verifies), `verifying` (verifies only, until
 * `verifyingUntil`), `revoked` (verifies nothing). Rotation makes a new active key and turns the previous one into
 * `verifying` for a grace period; `expireGracePeriods()` (grace.ts) revokes it when the period ends. Every change
 * reaches the running server's key ring at once.
 *
 * A secret leaves this folder only twice: in the answer to the create/rotate call that made it (shown once), and
 * decrypted for the key ring. It is never logged and never listed.
 */

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

/** RFC 7518 §3.2: an HS256 key has at least 256 bits. */
const MIN_SECRET_BYTES = 32;

/** A new secret: 32 random bytes as base64url (43 characters; its UTF-8 bytes are the HMAC key). */
function generateSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Checks a pasted secret: ≥ 32 bytes, no surrounding whitespace or control characters. */
function checkPastedSecret(secret: string): string {
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

/** The pasted secret, checked, or a generated one. */
function secretFor(pasted: string | undefined): string {
  return pasted !== undefined ? checkPastedSecret(pasted) : generateSigningSecret();
}

function info(row: SigningKeyRow, usage = 0): SigningKeyInfo {
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

/** A CALLSCOPE_JWT_SECRET entry in the list; the first one signs while no database key is active. */
function envKeyInfo(view: EnvKeyView, signs: boolean): SigningKeyInfo {
  return {
    id: view.kid,
    kid: view.kid,
    source: 'env',
    readOnly: true,
    state: signs ? 'active' : 'verifying',
    createdAt: null,
    activatedAt: null,
    verifyingUntil: null,
    revokedAt: null,
    lastUsedAt: view.lastUsedAt,
    verifiedLast24h: view.verifiedLast24h,
    createdById: null,
  };
}

/** A new key's kid and its secret encrypted at rest, as the data layer stores them. */
function sealedKey(secret: string): { kid: string; secretEncrypted: string } {
  const kid = `cs-${randomBytes(6).toString('hex')}`;
  return { kid, secretEncrypted: encryptSecret(secret, kid) };
}

/**
 * Creates the first signing key (active). With `secret` the pasted secret is checked and used, otherwise the server
 * generates one. Fails with `active_exists` when an active key exists (use `rotateSigningKey`).
 * The returned `secret` is the only time it is ever shown.
 */
export async function createSigningKey(
  opts: { secret?: string; actor?: Actor } = {},
): Promise<{ key: SigningKeyInfo; secret: string }> {
  const secret = secretFor(opts.secret);
  const row = await insertFirstKey({ ...sealedKey(secret), pasted: opts.secret !== undefined, actor: opts.actor });
  if (!row) throw new SigningKeyError('active_exists', 'an active signing key exists: rotate it instead');
  signingKeysChanged();
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
  const secret = secretFor(opts.secret);
  const graceSeconds =
    opts.graceSeconds !== undefined ? checkGrace(opts.graceSeconds) : (await getGracePeriod()).seconds;
  const { created, demoted } = await insertRotatedKey({
    ...sealedKey(secret),
    pasted: opts.secret !== undefined,
    graceSeconds,
    actor: opts.actor,
  });
  signingKeysChanged();
  logger().info({ kid: created.kid, previous: demoted.map((d) => d.kid), graceSeconds }, 'signing key rotated');
  return { key: info(created), secret, previous: demoted.map((d) => info(d)), graceSeconds };
}

/** Revokes a key (by id or kid) now: tokens signed with it are refused ('key revoked'). Idempotent. */
export async function revokeSigningKey(idOrKid: string, opts: { actor?: Actor } = {}): Promise<SigningKeyInfo> {
  if (/^env-\d+$/.test(idOrKid)) {
    throw new SigningKeyError(
      'read_only',
      'keys from CALLSCOPE_JWT_SECRET are read-only: remove them from the environment',
    );
  }
  const row = await updateKeyRevoked(idOrKid, opts.actor);
  if (!row) throw new SigningKeyError('not_found', 'no such signing key');
  signingKeysChanged();
  logger().info({ kid: row.kid }, 'signing key revoked');
  return info(row);
}

/** Every key, newest first, env keys (read-only) last. Never includes a secret. */
export async function listSigningKeys(): Promise<SigningKeyInfo[]> {
  const ring = processKeyRing();
  // Counters are batched in memory by the ring; flush them so the list is current.
  await ring?.flushUsage().catch(() => {});
  const { rows, verified } = await selectKeysWithUsage(new Date(Date.now() - 24 * 3600_000));
  const list = rows.map((r) => info(r, verified.get(r.id) ?? 0));
  // The first env secret signs Callscope's tokens while no database key is active (see mintToken).
  const dbSigns = rows.some((r) => r.state === 'active');
  for (const [i, view] of (ring?.envKeys() ?? []).entries()) list.push(envKeyInfo(view, i === 0 && !dbSigns));
  return list;
}

/** The API's view of a key (settings → keys): times as epoch ms; there is no secret to leave out. */
export function signingKeyDto(k: SigningKeyInfo): SigningKeyDto {
  return {
    id: k.id,
    kid: k.kid,
    source: k.source,
    readOnly: k.readOnly,
    state: k.state,
    createdAt: epochMsOrNull(k.createdAt),
    activatedAt: epochMsOrNull(k.activatedAt),
    verifyingUntil: epochMsOrNull(k.verifyingUntil),
    revokedAt: epochMsOrNull(k.revokedAt),
    lastUsedAt: epochMsOrNull(k.lastUsedAt),
    verifiedLast24h: k.verifiedLast24h,
  };
}
