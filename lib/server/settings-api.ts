import type { NextRequest } from 'next/server';
import type { ApiKeyDto, AuditEntryDto, RetentionDto, SigningKeyDto, StaffAccountDto } from '@/lib/schemas/settings';
import { type Actor, ApiError } from '@/lib/server/api';
import { ApiKeyError, type ApiKeyInfo } from '@/lib/server/data/api-keys';
import type { AuditEntry, Actor as AuditActor } from '@/lib/server/data/audit';
import type { Retention } from '@/lib/server/data/retention';
import { SigningKeyError, type SigningKeyInfo } from '@/lib/server/data/signing-keys';
import type { StaffDto } from '@/lib/server/data/staff';
import { TokenMintError } from '@/lib/server/data/tokens';

/** Shared by the settings and token route handlers: who did it (for the audit log) and domain errors → API errors. */

/**
 * The client address for the audit log: the `X-Forwarded-For` value server.ts leaves, one address: the socket's,
 * or with CALLSCOPE_TRUST_PROXY the one the nearest trusted proxy vouches for (clientAddress).
 */
export function requestIp(req: NextRequest): string | null {
  const first = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return first ? first.slice(0, 64) : null;
}

/**
 * The audit actor. Staff: id + email. API keys: no actor id (actor_id holds staff ids only), the key's id in the
 * email column as `api-key:<id>`, like the dump download audit.
 */
export function auditActor(actor: Actor | null, req: NextRequest): AuditActor {
  const ip = requestIp(req);
  if (!actor) return { id: null, email: null, ip };
  if (actor.kind === 'staff') return { id: actor.id, email: actor.email, ip };
  return { id: null, email: `api-key:${actor.id}`, ip };
}

const SIGNING_KEY_STATUS = {
  secret_too_short: 'unprocessable_entity',
  secret_invalid: 'unprocessable_entity',
  invalid_grace: 'unprocessable_entity',
  active_exists: 'conflict',
  not_found: 'not_found',
  read_only: 'conflict',
} as const;

/** Runs `fn`, turning the data layer's typed errors into ApiErrors (code in the message stays machine-readable). */
export async function withDomainErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SigningKeyError)
      throw new ApiError(SIGNING_KEY_STATUS[err.code], err.message, { reason: err.code });
    if (err instanceof ApiKeyError) {
      throw new ApiError(err.code === 'not_found' ? 'not_found' : 'unprocessable_entity', err.message, {
        reason: err.code,
      });
    }
    if (err instanceof TokenMintError) {
      throw new ApiError(err.code === 'no_signing_key' ? 'conflict' : 'unprocessable_entity', err.message, {
        reason: err.code,
      });
    }
    throw err;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 404 for ids that cannot exist (Prisma would throw on a malformed uuid). */
export function requireUuid(id: string, what: string): string {
  if (!UUID.test(id)) throw new ApiError('not_found', `No ${what} ${id}`);
  return id;
}

// ---------------------------------------------------------------------------------------------------------------
// Response mapping: Dates become epoch ms (the API's one time format); nothing secret is ever copied.

const ms = (d: Date | null | undefined): number | null => (d ? d.getTime() : null);
const isoMs = (s: string | null | undefined): number | null => (s ? Date.parse(s) : null);

export function signingKeyDto(k: SigningKeyInfo): SigningKeyDto {
  return {
    id: k.id,
    kid: k.kid,
    source: k.source,
    readOnly: k.readOnly,
    state: k.state,
    createdAt: ms(k.createdAt),
    activatedAt: ms(k.activatedAt),
    verifyingUntil: ms(k.verifyingUntil),
    revokedAt: ms(k.revokedAt),
    lastUsedAt: ms(k.lastUsedAt),
    verifiedLast24h: k.verifiedLast24h,
  };
}

export function apiKeyDto(k: ApiKeyInfo): ApiKeyDto {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    createdAt: k.createdAt.getTime(),
    lastUsedAt: ms(k.lastUsedAt),
    revokedAt: ms(k.revokedAt),
  };
}

export function staffDto(s: StaffDto): StaffAccountDto {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    role: s.role,
    disabled: s.disabled,
    createdAt: Date.parse(s.createdAt),
    lastLoginAt: isoMs(s.lastLoginAt),
  };
}

export function retentionDto(r: Retention & { updatedAt: Date | null }): RetentionDto {
  return {
    rawDumpDays: r.rawDumpDays,
    seriesDays: r.seriesDays,
    sessionDays: r.sessionDays,
    updatedAt: ms(r.updatedAt),
  };
}

export function auditEntryDto(e: AuditEntry): AuditEntryDto {
  return { ...e, at: e.at.getTime() };
}
