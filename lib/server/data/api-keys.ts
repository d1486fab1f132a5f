import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyDto } from '@/lib/schemas/settings';
import { type Actor, auditFor, SYSTEM_ACTOR } from '@/lib/server/data/audit';
import { epochMsOrNull } from '@/lib/server/data/round-numbers';
import { db } from '@/lib/server/db/client';
import { DomainError } from '@/lib/server/domain-error';
import { logger } from '@/lib/server/logger';
import { isUuid } from '@/lib/shared/uuid';

/**
 * API keys for customer backends and automation (`Authorization: Bearer cs_...`). Only the SHA-256 of a key is
 * stored, plus a short prefix to recognise it in lists; the full key is returned once, by `createApiKey`.
 */

export type ApiKeyRole = 'admin' | 'engineer' | 'support';
export const API_KEY_ROLES: readonly ApiKeyRole[] = ['admin', 'engineer', 'support'];

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** First characters of the key, e.g. `cs_4fT9aQ2x`. */
  prefix: string;
  role: ApiKeyRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdById: string | null;
}

export interface VerifiedApiKey {
  id: string;
  role: ApiKeyRole;
  name: string;
  prefix: string;
}

export class ApiKeyError extends DomainError<'invalid_name' | 'invalid_role' | 'not_found'> {
  override name = 'ApiKeyError';
  protected readonly statusOf = {
    invalid_name: 'unprocessable_entity',
    invalid_role: 'unprocessable_entity',
    not_found: 'not_found',
  } as const;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** `lastUsedAt` is written at most this often per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

function base62(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

/** `cs_` + base62 of 32 random bytes (256 bits). */
export function generateApiKey(): string {
  let body = base62(randomBytes(32));
  while (body.length < 43) body = `0${body}`;
  return `cs_${body}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What lists show: `cs_` + 8 characters for generated keys, 6 characters of any other (bootstrap) key. */
export function apiKeyPrefix(key: string): string {
  return key.startsWith('cs_') ? key.slice(0, 11) : key.slice(0, 6);
}


function toInfo(r: {
  id: string;
  name: string;
  prefix: string;
  role: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdById: string | null;
}): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: r.role as ApiKeyRole,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
    createdById: r.createdById,
  };
}

/** Creates a key; `key` (the full key) is returned only here. */
export async function createApiKey(opts: {
  name: string;
  role: ApiKeyRole;
  actor?: Actor;
}): Promise<{ apiKey: ApiKeyInfo; key: string }> {
  const name = opts.name?.trim();
  if (!name || name.length > 100)
    throw new ApiKeyError('invalid_name', 'an API key needs a name of 1 to 100 characters');
  if (!API_KEY_ROLES.includes(opts.role))
    throw new ApiKeyError('invalid_role', 'role must be admin, engineer or support');
  const key = generateApiKey();
  const row = await db().$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        name,
        prefix: apiKeyPrefix(key),
        hash: hashApiKey(key),
        role: opts.role,
        createdById: opts.actor?.id && isUuid(opts.actor.id) ? opts.actor.id : null,
      },
    });
    await auditFor(opts.actor, 'api_key.create', created.prefix, { id: created.id, name, role: opts.role }, tx);
    return created;
  });
  return { apiKey: toInfo(row), key };
}

/** Every key, newest first, without hashes. */
export async function listApiKeys(opts: { includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
  const rows = await db().apiKey.findMany({
    where: opts.includeRevoked === false ? { revokedAt: null } : {},
    orderBy: { createdAt: 'desc' },
    omit: { hash: true },
  });
  return rows.map(toInfo);
}

/** Revokes a key now; idempotent. */
export async function revokeApiKey(id: string, opts: { actor?: Actor } = {}): Promise<ApiKeyInfo> {
  if (!isUuid(id)) throw new ApiKeyError('not_found', 'no such API key');
  const row = await db().$transaction(async (tx) => {
    const existing = await tx.apiKey.findUnique({ where: { id } });
    if (!existing) throw new ApiKeyError('not_found', 'no such API key');
    if (existing.revokedAt) return existing;
    const updated = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    await auditFor(opts.actor, 'api_key.revoke', existing.prefix, { id, name: existing.name }, tx);
    return updated;
  });
  return toInfo(row);
}

/**
 * Checks `Authorization: Bearer <key>` (or the bare key). Answers the key's id and role, or null when the key is
 * unknown or revoked. Updates `lastUsedAt` (at most once a minute per key).
 */
export async function verifyApiKey(bearer: string | null | undefined): Promise<VerifiedApiKey | null> {
  if (!bearer) return null;
  const key = bearer.replace(/^Bearer\s+/i, '').trim();
  if (key.length < 24 || key.length > 200) return null;
  const row = await db().apiKey.findUnique({ where: { hash: hashApiKey(key) } });
  if (!row || row.revokedAt) return null;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await db().apiKey.updateMany({
      where: {
        id: row.id,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }],
      },
      data: { lastUsedAt: now },
    });
  }
  return { id: row.id, role: row.role as ApiKeyRole, name: row.name, prefix: row.prefix };
}

/**
 * `CALLSCOPE_BOOTSTRAP_API_KEY`: makes sure an admin key with this value exists (upsert by hash; idempotent).
 * A bootstrap key an admin revoked in settings stays revoked: remove it from the environment.
 */
export async function provisionBootstrapApiKey(key: string): Promise<ApiKeyInfo> {
  const hash = hashApiKey(key);
  const existing = await db().apiKey.findUnique({ where: { hash } });
  if (existing) {
    if (existing.revokedAt)
      logger().warn(
        { prefix: existing.prefix },
        'CALLSCOPE_BOOTSTRAP_API_KEY was revoked in settings and stays revoked',
      );
    return toInfo(existing);
  }
  const row = await db().apiKey.upsert({
    where: { hash },
    create: { name: 'bootstrap (CALLSCOPE_BOOTSTRAP_API_KEY)', prefix: apiKeyPrefix(key), hash, role: 'admin' },
    update: {},
  });
  await auditFor(SYSTEM_ACTOR, 'api_key.bootstrap', row.prefix, { id: row.id, role: 'admin' });
  logger().info({ prefix: row.prefix }, 'bootstrap API key provisioned');
  return toInfo(row);
}

/** The API's view of a key: its prefix, never the key or its hash. */
export function apiKeyDto(k: ApiKeyInfo): ApiKeyDto {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    createdAt: k.createdAt.getTime(),
    lastUsedAt: epochMsOrNull(k.lastUsedAt),
    revokedAt: epochMsOrNull(k.revokedAt),
  };
}
