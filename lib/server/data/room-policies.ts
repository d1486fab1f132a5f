/**
 * Room policies: per conference pattern (exact id or prefix ending in `*`), a maximum of participants, a maximum
 * duration once two are present, and who may share a screen. Admins change them in settings (each change audited
 * in the same transaction); enforcement (lib/server/monitoring/room-policies.ts) reads the one that applies.
 */
import type { RoomPolicyDto, RoomPolicyInput, UpdateRoomPolicyInput } from '@/lib/schemas/room-policies';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import { db } from '@/lib/server/db/client';
import { DomainError } from '@/lib/server/domain-error';
import { conferenceMatches, patternSpecificity } from '@/lib/server/monitoring/conference-pattern';
import { isUuid } from '@/lib/shared/uuid';

export class RoomPolicyError extends DomainError<'not_found' | 'no_rule'> {
  override name = 'RoomPolicyError';
  protected readonly statusOf = { not_found: 'not_found', no_rule: 'unprocessable_entity' } as const;
}

/** A policy as enforcement reads it: `screenShareUsers` null when anyone may share. */
export interface RoomPolicy {
  id: string;
  conference: string;
  maxParticipants: number | null;
  maxDurationMinutes: number | null;
  screenShareUsers: string[] | null;
}

type Row = {
  id: string;
  conferencePattern: string;
  maxParticipants: number | null;
  maxDurationMinutes: number | null;
  screenShareRestricted: boolean;
  screenShareUsers: string[];
  createdAt: Date;
  updatedAt: Date;
};

function toPolicy(r: Row): RoomPolicy {
  return {
    id: r.id,
    conference: r.conferencePattern,
    maxParticipants: r.maxParticipants,
    maxDurationMinutes: r.maxDurationMinutes,
    screenShareUsers: r.screenShareRestricted ? r.screenShareUsers : null,
  };
}

function toDto(r: Row): RoomPolicyDto {
  return { ...toPolicy(r), createdAt: r.createdAt.getTime(), updatedAt: r.updatedAt.getTime() };
}

function columns(p: {
  maxParticipants?: number | null;
  maxDurationMinutes?: number | null;
  screenShareUsers?: string[] | null;
}) {
  return {
    ...(p.maxParticipants !== undefined ? { maxParticipants: p.maxParticipants } : {}),
    ...(p.maxDurationMinutes !== undefined ? { maxDurationMinutes: p.maxDurationMinutes } : {}),
    ...(p.screenShareUsers !== undefined
      ? { screenShareRestricted: p.screenShareUsers !== null, screenShareUsers: [...new Set(p.screenShareUsers ?? [])] }
      : {}),
  };
}

/** Every policy, by pattern. */
export async function listRoomPolicies(): Promise<RoomPolicyDto[]> {
  const rows = await db().roomPolicy.findMany({ orderBy: { conferencePattern: 'asc' } });
  return rows.map(toDto);
}

/** A new policy (409 when its pattern has one already: the wrapper maps P2002). */
export async function createRoomPolicy(input: RoomPolicyInput, actor?: Actor): Promise<RoomPolicyDto> {
  const saved = await db().$transaction(async (tx) => {
    const row = await tx.roomPolicy.create({
      data: {
        conferencePattern: input.conference.trim(),
        ...columns({
          maxParticipants: input.maxParticipants ?? null,
          maxDurationMinutes: input.maxDurationMinutes ?? null,
          screenShareUsers: input.screenShareUsers ?? null,
        }),
      },
    });
    const dto = toDto(row);
    await auditFor(actor, 'room_policy.create', row.id, { policy: dto }, tx);
    return dto;
  });
  return forgetPolicies(saved);
}

export async function updateRoomPolicy(
  id: string,
  patch: UpdateRoomPolicyInput,
  actor?: Actor,
): Promise<RoomPolicyDto> {
  if (!isUuid(id)) throw new RoomPolicyError('not_found', `No room policy ${id}`);
  const saved = await db().$transaction(async (tx) => {
    const before = await tx.roomPolicy.findUnique({ where: { id } });
    if (!before) throw new RoomPolicyError('not_found', `No room policy ${id}`);
    const row = await tx.roomPolicy.update({
      where: { id },
      data: {
        ...(patch.conference !== undefined ? { conferencePattern: patch.conference.trim() } : {}),
        ...columns(patch),
      },
    });
    const dto = toDto(row);
    if (dto.maxParticipants === null && dto.maxDurationMinutes === null && dto.screenShareUsers === null) {
      throw new RoomPolicyError('no_rule', 'a policy needs at least one rule (delete it instead)');
    }
    await auditFor(actor, 'room_policy.update', id, { before: toDto(before), after: dto }, tx);
    return dto;
  });
  return forgetPolicies(saved);
}

export async function deleteRoomPolicy(id: string, actor?: Actor): Promise<RoomPolicyDto> {
  if (!isUuid(id)) throw new RoomPolicyError('not_found', `No room policy ${id}`);
  const saved = await db().$transaction(async (tx) => {
    const row = await tx.roomPolicy.findUnique({ where: { id } });
    if (!row) throw new RoomPolicyError('not_found', `No room policy ${id}`);
    await tx.roomPolicy.delete({ where: { id } });
    const dto = toDto(row);
    await auditFor(actor, 'room_policy.delete', id, { policy: dto }, tx);
    return dto;
  });
  return forgetPolicies(saved);
}

/**
 * Every policy as enforcement reads them (each connection and screen share, the minute sweep). Kept for
 * POLICY_CACHE_MS: thousands of sessions opening must not each read the table. A change on this node applies at
 * once (the cache is per process, on a globalThis key so the server's and Next's bundles share it); another
 * node's change within POLICY_CACHE_MS.
 */
export function roomPoliciesForEnforcement(): Promise<RoomPolicy[]> {
  const cache = policyCache();
  if (cache.loaded && Date.now() - cache.loaded.at < POLICY_CACHE_MS) return cache.loaded.policies;
  const policies = db()
    .roomPolicy.findMany()
    .then((rows) => rows.map(toPolicy));
  cache.loaded = { at: Date.now(), policies };
  policies.catch(() => {
    if (cache.loaded?.policies === policies) cache.loaded = undefined;
  });
  return policies;
}

const POLICY_CACHE_MS = 2_000;
const cacheKey = Symbol.for('callscope.roomPolicies');
type PolicyCache = { loaded?: { at: number; policies: Promise<RoomPolicy[]> } };

function policyCache(): PolicyCache {
  const holder = globalThis as { [cacheKey]?: PolicyCache };
  holder[cacheKey] ??= {};
  return holder[cacheKey];
}

/** After a change on this node: the next enforcement reads the table. */
function forgetPolicies<T>(result: T): T {
  policyCache().loaded = undefined;
  return result;
}

/** The policy that applies to a conference: an exact id beats any prefix, a longer prefix a shorter one. */
export function mostSpecificPolicy<P extends { conference: string }>(policies: P[], conference: string): P | undefined {
  let best: P | undefined;
  for (const p of policies) {
    if (!conferenceMatches(p.conference, conference)) continue;
    if (!best || patternSpecificity(p.conference) > patternSpecificity(best.conference)) best = p;
  }
  return best;
}

/** The policy that applies to one conference, if any. */
export async function roomPolicyFor(conference: string): Promise<RoomPolicy | undefined> {
  return mostSpecificPolicy(await roomPoliciesForEnforcement(), conference);
}
