import type { Prisma } from '@/lib/generated/prisma/client';
import type { AuditEntryDto } from '@/lib/schemas/settings';
import { db } from '@/lib/server/db/client';
import { isUuid } from '@/lib/shared/uuid';

/**
 * Append-only audit log: who did what, when, from where. This module only inserts and reads; nothing in
 * Callscope updates or deletes audit rows.
 */

/** Who performs an action. `id` is a StaffUser id; null/undefined for the system (timers, start-up). */
export interface Actor {
  id?: string | null;
  email?: string | null;
  ip?: string | null;
}

/** The system itself (grace-period expiry, bootstrap provisioning). */
export const SYSTEM_ACTOR: Actor = { id: null, email: 'system', ip: null };

export type AuditAction =
  | 'signing_key.create'
  | 'signing_key.rotate'
  | 'signing_key.revoke'
  | 'signing_key.grace_expired'
  | 'signing_key.grace_period_set'
  | 'api_key.create'
  | 'api_key.revoke'
  | 'api_key.bootstrap'
  | 'token.mint'
  | (string & {});

export interface AuditInput {
  actorId?: string | null;
  actorEmail?: string | null;
  action: AuditAction;
  target?: string | null;
  detail?: Record<string, unknown>;
  ip?: string | null;
}

/** An audit row as read: the API's `AuditEntryDto` (lib/schemas/settings.ts) with `at` as a Date. */
export type AuditEntry = Omit<AuditEntryDto, 'at'> & { at: Date };

type Client = Prisma.TransactionClient | ReturnType<typeof db>;

/** Appends one row. `tx` lets callers write the audit row in the same transaction as the change. */
export async function audit(entry: AuditInput, tx: Client = db()): Promise<void> {
  // actor_id is a uuid column: anything else (an API key's label...) would fail the insert, so it moves to detail.
  const actorId = entry.actorId && isUuid(entry.actorId) ? entry.actorId : null;
  const detail = { ...(entry.detail ?? {}) };
  if (entry.actorId && !actorId) detail.actorRef = entry.actorId;
  await tx.auditLog.create({
    data: {
      actorId,
      actorEmail: entry.actorEmail ?? null,
      action: entry.action,
      target: entry.target ?? null,
      detail: detail as Prisma.InputJsonObject,
      ip: entry.ip ?? null,
    },
  });
}

/** Helper for data modules: an actor plus an action. */
export function auditFor(
  actor: Actor | undefined,
  action: AuditAction,
  target: string | null,
  detail: Record<string, unknown> = {},
  tx?: Client,
): Promise<void> {
  const a = actor ?? SYSTEM_ACTOR;
  return audit({ actorId: a.id, actorEmail: a.email, ip: a.ip, action, target, detail }, tx);
}

/** Newest first. `cursor` is the `nextCursor` of the previous page (an entry id). */
export async function listAudit(
  opts: { limit?: number; cursor?: string | null; action?: string } = {},
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 50), 1), 500);
  let before: bigint | undefined;
  if (opts.cursor) {
    if (!/^\d{1,19}$/.test(opts.cursor)) throw new RangeError('invalid audit cursor');
    before = BigInt(opts.cursor);
  }
  const rows = await db().auditLog.findMany({
    where: {
      ...(before !== undefined ? { id: { lt: before } } : {}),
      ...(opts.action ? { action: opts.action } : {}),
    },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    entries: page.map((r) => ({
      id: r.id.toString(),
      at: r.at,
      actorId: r.actorId,
      actorEmail: r.actorEmail,
      action: r.action,
      target: r.target,
      detail: (r.detail ?? {}) as Record<string, unknown>,
      ip: r.ip,
    })),
    nextCursor: rows.length > limit ? page[page.length - 1].id.toString() : null,
  };
}

export function auditEntryDto(e: AuditEntry): AuditEntryDto {
  return { ...e, at: e.at.getTime() };
}
