/**
 * Outbound webhooks' rows: endpoints (secrets encrypted with the master key, bound to the endpoint's id), their
 * deliveries (one event to one endpoint; made by data/monitoring.ts in the event's own transaction) and every
 * attempt. The delivery engine (lib/server/webhooks/delivery-engine.ts) reads a line's oldest pending delivery and
 * records each attempt here; the disable rule and re-enabling (with or without a replay) are single transactions
 * with their audit rows, so a change and its record never part.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma } from '@/lib/generated/prisma/client';
import { type MonitoringEventName, type MonitoringPayload, monitoringEventNameSchema } from '@/lib/schemas/monitoring';
import type { WebhookDeliveryDto, WebhookEndpointDto } from '@/lib/schemas/webhooks';
import { type Actor, auditFor, SYSTEM_ACTOR } from '@/lib/server/data/audit';
import { epochMsOrNull } from '@/lib/server/data/round-numbers';
import { db } from '@/lib/server/db/client';
import { DomainError } from '@/lib/server/domain-error';
import { decryptSecret, encryptSecret } from '@/lib/server/signing-keys/master-key';
import { isUuid } from '@/lib/shared/uuid';

export class WebhookError extends DomainError<'not_found' | 'bad_destination' | 'replay_required'> {
  override name = 'WebhookError';
  protected readonly statusOf = {
    not_found: 'not_found',
    bad_destination: 'bad_request',
    replay_required: 'unprocessable_entity',
  } as const;
}

type Tx = Prisma.TransactionClient;
type EndpointRow = NonNullable<Awaited<ReturnType<ReturnType<typeof db>['webhookEndpoint']['findUnique']>>>;

/** The AAD of an endpoint's secrets: a ciphertext copied onto another endpoint does not decrypt. */
const secretContext = (id: string) => `webhook:${id}`;

function notFound(): WebhookError {
  return new WebhookError('not_found', 'No such webhook endpoint');
}

/** One endpoint as the API answers it, with what its deliveries say (pending, the last 24 h). */
function toDto(
  r: EndpointRow,
  stats: { pending: number; attempts: number; succeeded: number } = { pending: 0, attempts: 0, succeeded: 0 },
): WebhookEndpointDto {
  const overlap = r.previousSecretEnc && r.previousSecretExpiresAt && r.previousSecretExpiresAt > new Date();
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: r.events.filter((e): e is MonitoringEventName => monitoringEventNameSchema.safeParse(e).success),
    conference: r.conferenceFilter,
    enabled: r.enabled,
    disabledAt: epochMsOrNull(r.disabledAt),
    disabledReason: r.disabledReason,
    createdAt: r.createdAt.getTime(),
    updatedAt: r.updatedAt.getTime(),
    previousSecretExpiresAt: overlap ? epochMsOrNull(r.previousSecretExpiresAt) : null,
    pending: stats.pending,
    last24h: {
      attempts: stats.attempts,
      succeeded: stats.succeeded,
      successRate: stats.attempts > 0 ? Math.round((stats.succeeded / stats.attempts) * 1000) / 1000 : null,
    },
  };
}

async function statsOf(ids: string[]): Promise<Map<string, { pending: number; attempts: number; succeeded: number }>> {
  const out = new Map(ids.map((id) => [id, { pending: 0, attempts: 0, succeeded: 0 }]));
  if (ids.length === 0) return out;
  const [attempts, pending] = await Promise.all([
    db().$queryRaw<{ endpoint_id: string; attempts: number; succeeded: number }[]>`
      SELECT endpoint_id::text, count(*)::int AS attempts, (count(*) FILTER (WHERE ok))::int AS succeeded
        FROM webhook_attempt
       WHERE endpoint_id = ANY(${ids}::uuid[]) AND at > now() - interval '24 hours'
       GROUP BY endpoint_id`,
    db().webhookDelivery.groupBy({
      by: ['endpointId'],
      where: { endpointId: { in: ids }, state: 'pending' },
      _count: { _all: true },
    }),
  ]);
  for (const a of attempts) {
    const s = out.get(a.endpoint_id);
    if (s) Object.assign(s, { attempts: a.attempts, succeeded: a.succeeded });
  }
  for (const p of pending) {
    const s = out.get(p.endpointId);
    if (s) s.pending = p._count._all;
  }
  return out;
}

async function dtoOf(row: EndpointRow): Promise<WebhookEndpointDto> {
  return toDto(row, (await statsOf([row.id])).get(row.id));
}

async function findEndpoint(id: string, tx: Tx | ReturnType<typeof db> = db()): Promise<EndpointRow> {
  if (!isUuid(id)) throw notFound();
  const row = await tx.webhookEndpoint.findUnique({ where: { id } });
  if (!row) throw notFound();
  return row;
}

/** Creates an endpoint with a new secret; the secret is returned here only. */
export async function createWebhookEndpoint(opts: {
  url: string;
  events?: string[];
  conference?: string;
  description?: string;
  secret: string;
  actor?: Actor;
}): Promise<WebhookEndpointDto> {
  const id = randomUUID();
  const row = await db().$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: {
        id,
        url: opts.url,
        events: [...new Set(opts.events ?? [])],
        conferenceFilter: opts.conference ?? null,
        description: opts.description || null,
        secretEnc: encryptSecret(opts.secret, secretContext(id)),
      },
    });
    await auditFor(
      opts.actor,
      'webhook.create',
      created.url,
      { id, events: created.events, conference: created.conferenceFilter },
      tx,
    );
    return created;
  });
  return dtoOf(row);
}

/** Every endpoint, oldest first, with pending counts and the last 24 h's attempts. */
export async function listWebhookEndpoints(): Promise<WebhookEndpointDto[]> {
  const rows = await db().webhookEndpoint.findMany({ orderBy: { createdAt: 'asc' } });
  const stats = await statsOf(rows.map((r) => r.id));
  return rows.map((r) => toDto(r, stats.get(r.id)));
}

export async function getWebhookEndpoint(id: string): Promise<WebhookEndpointDto> {
  return dtoOf(await findEndpoint(id));
}

/** What signing and sending need: the URL and the secrets that sign now (the previous one during an overlap). */
export async function webhookTarget(
  id: string,
): Promise<{ id: string; url: string; enabled: boolean; secrets: string[] } | null> {
  if (!isUuid(id)) return null;
  const row = await db().webhookEndpoint.findUnique({ where: { id } });
  if (!row) return null;
  const secrets = [decryptSecret(row.secretEnc, secretContext(id))];
  if (row.previousSecretEnc && row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date()) {
    secrets.push(decryptSecret(row.previousSecretEnc, secretContext(id)));
  }
  return { id, url: row.url, enabled: row.enabled, secrets };
}

export interface EndpointChange {
  url?: string;
  events?: string[];
  conference?: string | null;
  description?: string | null;
}

/** Changes the URL, events, conference filter or description (the destination was checked by the caller). */
export async function updateWebhookEndpoint(
  id: string,
  change: EndpointChange,
  actor?: Actor,
): Promise<WebhookEndpointDto> {
  const row = await db().$transaction(async (tx) => {
    const before = await findEndpoint(id, tx);
    const updated = await tx.webhookEndpoint.update({
      where: { id },
      data: {
        ...(change.url !== undefined ? { url: change.url } : {}),
        ...(change.events !== undefined ? { events: [...new Set(change.events)] } : {}),
        ...(change.conference !== undefined ? { conferenceFilter: change.conference } : {}),
        ...(change.description !== undefined ? { description: change.description || null } : {}),
      },
    });
    await auditFor(actor, 'webhook.update', updated.url, { id, before: pick(before), after: pick(updated) }, tx);
    return updated;
  });
  return dtoOf(row);
}

function pick(r: EndpointRow) {
  return { url: r.url, events: r.events, conference: r.conferenceFilter, description: r.description };
}

/**
 * Disables an endpoint (an admin's choice, or the disable rule with the system as actor). Its pending deliveries
 * wait; events meanwhile get no deliveries. Returns false when it was disabled already.
 */
export async function disableWebhookEndpoint(
  id: string,
  reason: string,
  actor: Actor = SYSTEM_ACTOR,
  detail: Record<string, unknown> = {},
  tx?: Tx,
): Promise<boolean> {
  const run = async (t: Tx) => {
    const rows = await t.$queryRaw<{ url: string }[]>`
      UPDATE webhook_endpoint SET enabled = false, disabled_at = now(), disabled_reason = ${reason}, updated_at = now()
       WHERE id = ${id}::uuid AND enabled
      RETURNING url`;
    if (rows.length === 0) return false;
    await auditFor(actor, 'webhook.disable', rows[0].url, { id, reason, ...detail }, t);
    return true;
  };
  if (!isUuid(id)) throw notFound();
  return tx ? run(tx) : db().$transaction(run);
}

/**
 * Enables a disabled endpoint. `replay`: its pending deliveries are due now (with a new retry period) and every
 * Callscope event stored since it was disabled that it matches gets a delivery, in order; otherwise the pending
 * ones are skipped and nothing is made for the gap. Returns the lines (conferences) with deliveries to send.
 */
export async function enableWebhookEndpoint(
  id: string,
  replay: boolean,
  actor?: Actor,
): Promise<{ endpoint: WebhookEndpointDto; lines: { endpointId: string; conference: string }[] }> {
  const { row, lines } = await db().$transaction(async (tx) => {
    const before = await findEndpoint(id, tx);
    if (before.enabled) return { row: before, lines: [] as string[] };
    let replayed = 0;
    let skipped = 0;
    let resumed = 0;
    if (replay) {
      resumed = await tx.$executeRaw`
        UPDATE webhook_delivery SET next_attempt_at = now(), retry_until = NULL
         WHERE endpoint_id = ${id}::uuid AND state = 'pending'`;
      replayed = await tx.$executeRaw`
        INSERT INTO webhook_delivery (id, endpoint_id, event_id, conference, event_seq, next_attempt_at)
        SELECT gen_random_uuid(), w.id, e.id, e.conference, e.seq, now()
          FROM webhook_endpoint w JOIN monitoring_event e ON e.source = 'callscope'
         WHERE w.id = ${id}::uuid
           AND e.created_at >= coalesce(w.disabled_at, now())
           AND (w.events IS NULL OR cardinality(w.events) = 0 OR e.event = ANY(w.events))
           AND (w.conference_filter IS NULL OR w.conference_filter = e.conference
                OR (right(w.conference_filter, 1) = '*' AND starts_with(e.conference, left(w.conference_filter, -1))))
        ON CONFLICT DO NOTHING`;
    } else {
      skipped = await tx.$executeRaw`
        UPDATE webhook_delivery SET state = 'skipped', next_attempt_at = NULL
         WHERE endpoint_id = ${id}::uuid AND state = 'pending'`;
    }
    const updated = await tx.webhookEndpoint.update({
      where: { id },
      data: { enabled: true, disabledAt: null, disabledReason: null },
    });
    await auditFor(
      actor,
      'webhook.enable',
      updated.url,
      { id, replay, disabledAt: before.disabledAt?.toISOString() ?? null, resumed, replayed, skipped },
      tx,
    );
    const pending = await tx.$queryRaw<{ conference: string }[]>`
      SELECT DISTINCT conference FROM webhook_delivery WHERE endpoint_id = ${id}::uuid AND state = 'pending'`;
    return { row: updated, lines: pending.map((p) => p.conference) };
  });
  return { endpoint: await dtoOf(row), lines: lines.map((conference) => ({ endpointId: id, conference })) };
}

/** Deletes an endpoint with its deliveries and attempts. */
export async function deleteWebhookEndpoint(id: string, actor?: Actor): Promise<void> {
  await db().$transaction(async (tx) => {
    const row = await findEndpoint(id, tx);
    await tx.webhookEndpoint.delete({ where: { id } });
    await auditFor(actor, 'webhook.delete', row.url, { id }, tx);
  });
}

/** A new secret; the old one keeps signing beside it until the overlap ends (0: it stops now). */
export async function rotateWebhookSecret(
  id: string,
  secret: string,
  overlapHours: number,
  actor?: Actor,
): Promise<WebhookEndpointDto> {
  const row = await db().$transaction(async (tx) => {
    const before = await findEndpoint(id, tx);
    const until = overlapHours > 0 ? new Date(Date.now() + overlapHours * 3_600_000) : null;
    const updated = await tx.webhookEndpoint.update({
      where: { id },
      data: {
        secretEnc: encryptSecret(secret, secretContext(id)),
        previousSecretEnc: until ? before.secretEnc : null,
        previousSecretExpiresAt: until,
      },
    });
    await auditFor(actor, 'webhook.rotate_secret', updated.url, { id, overlapHours }, tx);
    return updated;
  });
  return dtoOf(row);
}

/** A line's next delivery: the oldest pending one of an endpoint and conference, with what to send. */
export interface LineHead {
  id: string;
  eventId: string;
  payload: MonitoringPayload;
  attempts: number;
  /** Its next attempt is due (by the database's clock); else it waits until nextAttemptAt. */
  due: boolean;
  nextAttemptAt: Date | null;
}

export async function lineHead(endpointId: string, conference: string): Promise<LineHead | null> {
  const [row] = await db().$queryRaw<
    {
      id: string;
      event_id: string;
      payload: MonitoringPayload;
      attempts: number;
      due: boolean;
      next_attempt_at: Date | null;
    }[]
  >`
    SELECT d.id::text, d.event_id::text, e.payload, d.attempts,
           (d.next_attempt_at IS NULL OR d.next_attempt_at <= now()) AS due, d.next_attempt_at
      FROM webhook_delivery d JOIN monitoring_event e ON e.id = d.event_id
     WHERE d.endpoint_id = ${endpointId}::uuid AND d.conference = ${conference} AND d.state = 'pending'
     ORDER BY d.event_seq
     LIMIT 1`;
  if (!row) return null;
  return {
    id: row.id,
    eventId: row.event_id,
    payload: row.payload,
    attempts: row.attempts,
    due: row.due,
    nextAttemptAt: row.next_attempt_at,
  };
}

/** A delivery with what a manual attempt sends (its event's payload, or a test's own). */
export async function deliveryToSend(
  endpointId: string,
  deliveryId: string,
): Promise<{ id: string; eventId: string; payload: MonitoringPayload; state: string; conference: string } | null> {
  if (!isUuid(endpointId) || !isUuid(deliveryId)) return null;
  const row = await db().webhookDelivery.findFirst({
    where: { id: deliveryId, endpointId },
    include: { event: { select: { payload: true } } },
  });
  if (!row) return null;
  const payload = (row.event?.payload ?? row.testPayload) as MonitoringPayload | null;
  if (!payload) return null;
  return {
    id: row.id,
    eventId: row.eventId ?? payload.callscope.eventId,
    payload,
    state: row.state,
    conference: row.conference,
  };
}

/** A test delivery: a synthetic event of this endpoint only, in no conference's line. */
export async function createTestDelivery(endpointId: string, payload: MonitoringPayload): Promise<string> {
  const row = await db().webhookDelivery.create({
    data: {
      endpointId,
      testPayload: payload as unknown as Prisma.InputJsonObject,
      conference: '',
      eventSeq: 0n,
    },
  });
  return row.id;
}

export interface AttemptRecord {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/**
 * How an attempt's outcome moves its delivery. `line`: the delivery engine's attempt of a line's head; a failure
 * keeps it pending for another attempt `delayMs` later, or ends it `failed` when that would be past its retry period
 * (`forMs` from its first failure). `manual`: a redelivery; a failure changes nothing but the log. `once`: a test.
 * A 2xx makes any delivery succeeded.
 */
export type AttemptMode = { kind: 'line'; delayMs: number; forMs: number } | { kind: 'manual' } | { kind: 'once' };

/**
 * Records an attempt and what follows from it (AttemptMode), all in the database's clock. Then the disable rule: more
 * than `failures` failed attempts within `windowMinutes` disable the endpoint (audit-logged), as does a 410 Gone.
 */
export async function recordAttempt(
  delivery: { id: string; endpointId: string },
  outcome: AttemptRecord,
  mode: AttemptMode,
  rule: { failures: number; windowMinutes: number },
): Promise<{ disabled: boolean; state: string; nextAttemptAt: Date | null }> {
  const delayS = mode.kind === 'line' ? mode.delayMs / 1000 : 0;
  const forS = mode.kind === 'line' ? mode.forMs / 1000 : 0;
  return db().$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ attempts: number; state: string; next_attempt_at: Date | null }[]>`
      WITH cur AS (
        SELECT id, now() + make_interval(secs => ${delayS}::float8) AS next,
               coalesce(retry_until, now() + make_interval(secs => ${forS}::float8)) AS until
          FROM webhook_delivery WHERE id = ${delivery.id}::uuid FOR UPDATE)
      UPDATE webhook_delivery d SET
        attempts = d.attempts + 1,
        state = CASE WHEN ${outcome.ok}::boolean THEN 'succeeded'
                     WHEN ${mode.kind}::text = 'once' THEN 'failed'
                     WHEN d.state <> 'pending' OR ${mode.kind}::text = 'manual' THEN d.state
                     WHEN cur.next > cur.until THEN 'failed'
                     ELSE 'pending' END,
        next_attempt_at = CASE WHEN ${outcome.ok}::boolean OR ${mode.kind}::text = 'once' THEN NULL
                               WHEN d.state <> 'pending' OR ${mode.kind}::text = 'manual' THEN d.next_attempt_at
                               WHEN cur.next > cur.until THEN NULL
                               ELSE cur.next END,
        retry_until = CASE WHEN ${outcome.ok}::boolean OR d.state <> 'pending' OR ${mode.kind}::text <> 'line' THEN d.retry_until
                           ELSE cur.until END,
        delivered_at = CASE WHEN ${outcome.ok}::boolean THEN now() ELSE d.delivered_at END,
        last_status = ${outcome.status}::int, last_latency_ms = ${outcome.latencyMs}::int,
        last_response = ${outcome.responseExcerpt}::text, last_error = ${outcome.error}::text
        FROM cur
       WHERE d.id = cur.id
      RETURNING d.attempts, d.state, d.next_attempt_at`;
    if (!row) return { disabled: false, state: 'gone', nextAttemptAt: null };
    const result = { disabled: false, state: row.state, nextAttemptAt: row.next_attempt_at };
    await tx.webhookAttempt.create({
      data: {
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        attempt: row.attempts,
        ok: outcome.ok,
        status: outcome.status,
        latencyMs: outcome.latencyMs,
        responseExcerpt: outcome.responseExcerpt,
        error: outcome.error,
      },
    });
    if (outcome.ok) return result;
    if (outcome.status === 410) {
      const disabled = await disableWebhookEndpoint(
        delivery.endpointId,
        'The receiver answered 410 Gone',
        SYSTEM_ACTOR,
        {},
        tx,
      );
      return { ...result, disabled };
    }
    const [{ failed }] = await tx.$queryRaw<{ failed: number }[]>`
      SELECT count(*)::int AS failed FROM webhook_attempt
       WHERE endpoint_id = ${delivery.endpointId}::uuid AND NOT ok
         AND at > now() - make_interval(secs => ${rule.windowMinutes * 60}::float8)`;
    if (failed <= rule.failures) return result;
    const disabled = await disableWebhookEndpoint(
      delivery.endpointId,
      `${failed} failed deliveries within ${rule.windowMinutes} minutes`,
      SYSTEM_ACTOR,
      { failed, windowMinutes: rule.windowMinutes, threshold: rule.failures },
      tx,
    );
    return { ...result, disabled };
  });
}

/** Lines (endpoint and conference) of enabled endpoints whose next delivery is due: the sweep re-sends their jobs. */
export async function dueLines(limit = 10_000): Promise<{ endpointId: string; conference: string }[]> {
  const rows = await db().$queryRaw<{ endpoint_id: string; conference: string }[]>`
    SELECT h.endpoint_id::text, h.conference
      FROM (SELECT DISTINCT ON (endpoint_id, conference) endpoint_id, conference, next_attempt_at
              FROM webhook_delivery
             WHERE state = 'pending' AND conference <> ''
             ORDER BY endpoint_id, conference, event_seq) h
      JOIN webhook_endpoint w ON w.id = h.endpoint_id AND w.enabled
     WHERE h.next_attempt_at IS NULL OR h.next_attempt_at <= now()
     LIMIT ${limit}`;
  return rows.map((r) => ({ endpointId: r.endpoint_id, conference: r.conference }));
}

function deliveryDto(r: {
  id: string;
  eventId: string | null;
  testPayload: unknown;
  conference: string;
  state: string;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatus: number | null;
  lastLatencyMs: number | null;
  lastResponse: string | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  event: { event: string } | null;
}): WebhookDeliveryDto {
  const test = r.testPayload as MonitoringPayload | null;
  return {
    id: r.id,
    eventId: r.eventId ?? test?.callscope.eventId ?? '',
    event: (r.event?.event ?? test?.event ?? 'sessionCreated') as MonitoringEventName,
    conference: r.conference,
    test: r.eventId === null,
    state: r.state as WebhookDeliveryDto['state'],
    attempts: r.attempts,
    nextAttemptAt: epochMsOrNull(r.nextAttemptAt),
    lastStatus: r.lastStatus,
    lastLatencyMs: r.lastLatencyMs,
    lastResponse: r.lastResponse,
    lastError: r.lastError,
    createdAt: r.createdAt.getTime(),
    deliveredAt: epochMsOrNull(r.deliveredAt),
  };
}

const DELIVERY_SELECT = {
  id: true,
  eventId: true,
  testPayload: true,
  conference: true,
  state: true,
  attempts: true,
  nextAttemptAt: true,
  lastStatus: true,
  lastLatencyMs: true,
  lastResponse: true,
  lastError: true,
  createdAt: true,
  deliveredAt: true,
  event: { select: { event: true } },
} as const;

export async function getDelivery(endpointId: string, deliveryId: string): Promise<WebhookDeliveryDto> {
  const row = await db().webhookDelivery.findFirst({ where: { id: deliveryId, endpointId }, select: DELIVERY_SELECT });
  if (!row) throw new WebhookError('not_found', 'No such delivery');
  return deliveryDto(row);
}

/** The delivery log, newest first; `cursor` is the previous page's `nextCursor` (a delivery id). */
export async function listDeliveries(
  endpointId: string,
  opts: { limit: number; cursor?: string },
): Promise<{ deliveries: WebhookDeliveryDto[]; nextCursor: string | null }> {
  await findEndpoint(endpointId);
  if (opts.cursor !== undefined && !isUuid(opts.cursor)) throw new WebhookError('not_found', 'No such page');
  const rows = await db().webhookDelivery.findMany({
    where: { endpointId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: opts.limit + 1,
    ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
    select: DELIVERY_SELECT,
  });
  const page = rows.slice(0, opts.limit);
  return {
    deliveries: page.map(deliveryDto),
    nextCursor: rows.length > opts.limit ? page[page.length - 1].id : null,
  };
}
