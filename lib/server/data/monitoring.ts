/**
 * Session-monitoring events and rooms. Every write for a conference happens under a lock on its `monitoring_room`
 * row, in one transaction: the room's state is read, the caller decides what happened, the new events are inserted
 * (idempotent on `dedupe_key`), the room is updated and a delivery row is made for every enabled webhook endpoint
 * the event matches. Events of one conference therefore get `seq` values in the order they were decided, and a
 * delivery job never sees a later event committed before an earlier one.
 */
import { createHash } from 'node:crypto';
import { Prisma } from '@/lib/generated/prisma/client';
import type { MonitoringEventDto, MonitoringEventName, MonitoringPayload, MonitoringSource } from '@/lib/schemas/monitoring';
import { db } from '@/lib/server/db/client';

export interface RoomState {
  conference: string;
  generation: number;
  openSince: Date | null;
  participants: number;
  twoPresentSince: Date | null;
}

export interface NewMonitoringEvent {
  event: MonitoringEventName;
  source: MonitoringSource;
  occurredAt: Date;
  sessionId?: bigint;
  connectionId?: string;
  userId?: string | null;
  streamId?: string;
  /** `callscope.eventId` is filled in from the derived id. */
  payload: MonitoringPayload;
  /** What makes the event itself (a replay or a second node emitting it changes nothing). */
  dedupeKey: string;
}

/** What the caller decided, with the room as it was: the events to add and the room's new state. */
export interface RoomChange {
  events: NewMonitoringEvent[];
  room?: Partial<Omit<RoomState, 'conference'>>;
}

export interface StoredMonitoringEvent extends NewMonitoringEvent {
  id: string;
  seq: bigint;
  conference: string;
}

export interface AppendResult {
  stored: StoredMonitoringEvent[];
  /** The room after the change. */
  room: RoomState;
  /** Endpoint and conference pairs that got new deliveries (each is one ordered delivery line). */
  deliveryLines: { endpointId: string; conference: string }[];
}

/** Reads inside the decision: which of these dedupe keys are stored, events of the room so far. */
export interface RoomReader {
  existing(keys: string[]): Promise<Set<string>>;
  /** Callscope stream events of one session row, oldest first. */
  streamEvents(sessionId: bigint): Promise<{ event: string; streamId: string | null; payload: MonitoringPayload }[]>;
  /** Connection events since the room last opened (generation's sessionCreated), oldest first. */
  connectionsSinceOpen(): Promise<{ event: string; connectionId: string | null; payload: MonitoringPayload }[]>;
}

/** A stable UUID from a dedupe key (SHA-256, formatted as a version-8 UUID). */
export function monitoringEventId(dedupeKey: string): string {
  const h = createHash('sha256').update(`callscope-monitoring:${dedupeKey}`).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** SQL for "conference matches pattern column" (conference-pattern.ts is the same rule in TypeScript). */
export function conferencePatternSql(patternColumn: Prisma.Sql, conference: string): Prisma.Sql {
  return Prisma.sql`(${patternColumn} = ${conference} OR (right(${patternColumn}, 1) = '*' AND starts_with(${conference}, left(${patternColumn}, -1))))`;
}

type Tx = Prisma.TransactionClient;

async function lockRoom(tx: Tx, conference: string): Promise<RoomState> {
  await tx.$executeRaw`INSERT INTO monitoring_room (conference) VALUES (${conference}) ON CONFLICT DO NOTHING`;
  const [row] = await tx.$queryRaw<
    { generation: number; open_since: Date | null; participants: number; two_present_since: Date | null }[]
  >`SELECT generation, open_since, participants, two_present_since FROM monitoring_room WHERE conference = ${conference} FOR UPDATE`;
  return {
    conference,
    generation: row.generation,
    openSince: row.open_since,
    participants: row.participants,
    twoPresentSince: row.two_present_since,
  };
}

function reader(tx: Tx, room: RoomState): RoomReader {
  return {
    async existing(keys) {
      if (keys.length === 0) return new Set();
      const rows = await tx.$queryRaw<{ dedupe_key: string }[]>`
        SELECT dedupe_key FROM monitoring_event WHERE dedupe_key = ANY(${keys}::text[])`;
      return new Set(rows.map((r) => r.dedupe_key));
    },
    async streamEvents(sessionId) {
      return tx.$queryRaw<{ event: string; streamId: string | null; payload: MonitoringPayload }[]>`
        SELECT event, stream_id AS "streamId", payload FROM monitoring_event
         WHERE conference = ${room.conference} AND session_id = ${sessionId} AND source = 'callscope'
           AND event IN ('streamCreated', 'streamDestroyed')
         ORDER BY seq`;
    },
    async connectionsSinceOpen() {
      return tx.$queryRaw<{ event: string; connectionId: string | null; payload: MonitoringPayload }[]>`
        SELECT event, connection_id AS "connectionId", payload FROM monitoring_event
         WHERE conference = ${room.conference} AND source = 'callscope'
           AND event IN ('connectionCreated', 'connectionDestroyed')
           AND seq > coalesce((SELECT max(seq) FROM monitoring_event
                                WHERE conference = ${room.conference} AND source = 'callscope' AND event = 'sessionCreated'), 0)
         ORDER BY seq`;
    },
  };
}

/**
 * One decision about a conference, atomically: `decide` sees the locked room (and may read its events) and says
 * which events happened; they are stored with their deliveries and the room updated, all or nothing.
 */
export async function appendEvents(
  conference: string,
  decide: (room: RoomState, read: RoomReader) => RoomChange | Promise<RoomChange>,
): Promise<AppendResult> {
  return db().$transaction(
    async (tx) => {
      const before = await lockRoom(tx, conference);
      const change = await decide(before, reader(tx, before));
      const stored: StoredMonitoringEvent[] = [];
      const lines = new Map<string, { endpointId: string; conference: string }>();
      for (const e of change.events) {
        const id = monitoringEventId(e.dedupeKey);
        const payload: MonitoringPayload = { ...e.payload, callscope: { ...e.payload.callscope, eventId: id } };
        const [row] = await tx.$queryRaw<{ seq: bigint }[]>`
          INSERT INTO monitoring_event (id, conference, source, event, occurred_at, session_id, connection_id, user_id,
                                        stream_id, payload, dedupe_key)
          VALUES (${id}::uuid, ${conference}, ${e.source}, ${e.event}, ${e.occurredAt}, ${e.sessionId ?? null},
                  ${e.connectionId ?? null}, ${e.userId ?? null}, ${e.streamId ?? null}, ${JSON.stringify(payload)}::jsonb,
                  ${e.dedupeKey})
          ON CONFLICT (dedupe_key) DO NOTHING
          RETURNING seq`;
        if (!row) continue;
        stored.push({ ...e, payload, id, seq: row.seq, conference });
        // Platform callbacks are shown beside Callscope's events, never sent back out as webhooks.
        if (e.source !== 'callscope') continue;
        const endpoints = await tx.$queryRaw<{ endpoint_id: string }[]>`
          INSERT INTO webhook_delivery (id, endpoint_id, event_id, conference, event_seq, next_attempt_at)
          SELECT gen_random_uuid(), w.id, ${id}::uuid, ${conference}, ${row.seq}, now()
            FROM webhook_endpoint w
           WHERE w.enabled
             AND (w.events IS NULL OR cardinality(w.events) = 0 OR ${e.event} = ANY(w.events))
             AND (w.conference_filter IS NULL OR ${conferencePatternSql(Prisma.sql`w.conference_filter`, conference)})
          ON CONFLICT DO NOTHING
          RETURNING endpoint_id::text`;
        for (const { endpoint_id } of endpoints) lines.set(endpoint_id, { endpointId: endpoint_id, conference });
      }
      const room: RoomState = { ...before, ...change.room };
      if (change.room) {
        await tx.$executeRaw`
          UPDATE monitoring_room SET generation = ${room.generation}, open_since = ${room.openSince},
                 participants = ${room.participants}, two_present_since = ${room.twoPresentSince}, updated_at = now()
           WHERE conference = ${conference}`;
      }
      return { stored, room, deliveryLines: [...lines.values()] };
    },
    // Under load the pool may be busy: wait for a connection rather than fail the event.
    { maxWait: 15_000, timeout: 30_000 },
  );
}

/** A conference's events in order (the timeline), optionally after a seq. */
export async function listConferenceEvents(
  conference: string,
  options: { afterSeq?: bigint; limit: number },
): Promise<MonitoringEventDto[]> {
  const rows = await db().monitoringEvent.findMany({
    where: { conference, ...(options.afterSeq !== undefined ? { seq: { gt: options.afterSeq } } : {}) },
    orderBy: { seq: 'asc' },
    take: options.limit,
  });
  return rows.map((r) => ({
    id: r.id,
    seq: String(r.seq),
    conference: r.conference,
    source: r.source as MonitoringEventDto['source'],
    event: r.event as MonitoringEventDto['event'],
    occurredAt: r.occurredAt.toISOString(),
    connectionId: r.connectionId,
    userId: r.userId,
    streamId: r.streamId,
    payload: r.payload as MonitoringPayload,
  }));
}

/** Rooms open with at least two participants (room policies' time limits). */
export async function roomsWithTwoPresent(): Promise<RoomState[]> {
  const rows = await db().monitoringRoom.findMany({ where: { openSince: { not: null }, twoPresentSince: { not: null } } });
  return rows.map((r) => ({
    conference: r.conference,
    generation: r.generation,
    openSince: r.openSince,
    participants: r.participants,
    twoPresentSince: r.twoPresentSince,
  }));
}
