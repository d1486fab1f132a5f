/**
 * Session-monitoring events and rooms. Every write for a conference happens under a lock on its `monitoring_room`
 * row, in one transaction: the room's state is read, the caller decides what happened, the new events are inserted
 * (idempotent on `dedupe_key`), the room is updated and a delivery row is made for every enabled webhook endpoint
 * the event matches. Events of one conference therefore get `seq` values in the order they were decided, and a
 * delivery job never sees a later event committed before an earlier one.
 */
import { createHash } from 'node:crypto';
import type { MonitoringEventDto, MonitoringEventName, MonitoringPayload, MonitoringSource } from '@/lib/schemas/monitoring';
import { db, inTransaction, type SqlQuery } from '@/lib/server/db/client';

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

/** SQL for "conference `$n` matches the pattern column" (conference-pattern.ts is the same rule in TypeScript). */
function conferencePatternSql(patternColumn: string, conferenceParam: string): string {
  return `(${patternColumn} = ${conferenceParam} OR (right(${patternColumn}, 1) = '*' AND starts_with(${conferenceParam}, left(${patternColumn}, -1))))`;
}

/** The room's row, created if missing, locked (an upsert that updates locks the row) and read in one statement. */
const LOCK_ROOM = `
  INSERT INTO monitoring_room (conference) VALUES ($1)
  ON CONFLICT (conference) DO UPDATE SET conference = EXCLUDED.conference
  RETURNING generation, open_since, participants, two_present_since`;

/** The event, and in the same statement a delivery for every enabled endpoint it matches (Callscope's own only). */
const INSERT_EVENT = `
  WITH ins AS (
    INSERT INTO monitoring_event (id, conference, source, event, occurred_at, session_id, connection_id, user_id,
                                  stream_id, payload, dedupe_key)
    VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, seq
  ), deliveries AS (
    INSERT INTO webhook_delivery (id, endpoint_id, event_id, conference, event_seq, next_attempt_at)
    SELECT gen_random_uuid(), w.id, ins.id, $2, ins.seq, now()
      FROM webhook_endpoint w, ins
     WHERE $3 = 'callscope' AND w.enabled
       AND (w.events IS NULL OR cardinality(w.events) = 0 OR $4 = ANY(w.events))
       AND (w.conference_filter IS NULL OR ${conferencePatternSql('w.conference_filter', '$2')})
    ON CONFLICT DO NOTHING
    RETURNING endpoint_id
  )
  SELECT (SELECT seq FROM ins)::text AS seq, (SELECT array_agg(endpoint_id::text) FROM deliveries) AS endpoints`;

function reader(q: SqlQuery, room: RoomState): RoomReader {
  return {
    async existing(keys) {
      if (keys.length === 0) return new Set();
      const { rows } = await q('SELECT dedupe_key FROM monitoring_event WHERE dedupe_key = ANY($1::text[])', [keys]);
      return new Set(rows.map((r) => r.dedupe_key as string));
    },
    async streamEvents(sessionId) {
      const { rows } = await q(
        `SELECT event, stream_id AS "streamId", payload FROM monitoring_event
          WHERE conference = $1 AND session_id = $2 AND source = 'callscope'
            AND event IN ('streamCreated', 'streamDestroyed')
          ORDER BY seq`,
        [room.conference, String(sessionId)],
      );
      return rows as { event: string; streamId: string | null; payload: MonitoringPayload }[];
    },
    async connectionsSinceOpen() {
      const { rows } = await q(
        `SELECT event, connection_id AS "connectionId", payload FROM monitoring_event
          WHERE conference = $1 AND source = 'callscope'
            AND event IN ('connectionCreated', 'connectionDestroyed')
            AND seq > coalesce((SELECT max(seq) FROM monitoring_event
                                 WHERE conference = $1 AND source = 'callscope' AND event = 'sessionCreated'), 0)
          ORDER BY seq`,
        [room.conference],
      );
      return rows as { event: string; connectionId: string | null; payload: MonitoringPayload }[];
    },
  };
}

/**
 * One decision about a conference, atomically: `decide` sees the locked room (and may read its events) and says
 * which events happened; they are stored with their deliveries and the room updated, all or nothing. Plain SQL in
 * one transaction (a statement for the lock, one per event with its deliveries, one for the room): every session
 * opening and closing comes through here, and Prisma's interactive transactions cost the ingest thread several
 * times as much and held their connections longer.
 */
export async function appendEvents(
  conference: string,
  decide: (room: RoomState, read: RoomReader) => RoomChange | Promise<RoomChange>,
): Promise<AppendResult> {
  return inTransaction(async (q) => {
    const { rows: locked } = await q(LOCK_ROOM, [conference]);
    const r = locked[0];
    const before: RoomState = {
      conference,
      generation: r.generation,
      openSince: r.open_since,
      participants: r.participants,
      twoPresentSince: r.two_present_since,
    };
    const change = await decide(before, reader(q, before));
    const stored: StoredMonitoringEvent[] = [];
    const lines = new Map<string, { endpointId: string; conference: string }>();
    for (const e of change.events) {
      const id = monitoringEventId(e.dedupeKey);
      const payload: MonitoringPayload = { ...e.payload, callscope: { ...e.payload.callscope, eventId: id } };
      const { rows } = await q(INSERT_EVENT, [
        id,
        conference,
        e.source,
        e.event,
        e.occurredAt,
        e.sessionId !== undefined ? String(e.sessionId) : null,
        e.connectionId ?? null,
        e.userId ?? null,
        e.streamId ?? null,
        JSON.stringify(payload),
        e.dedupeKey,
      ]);
      const row = rows[0] as { seq: string | null; endpoints: string[] | null };
      if (row.seq === null) continue;
      stored.push({ ...e, payload, id, seq: BigInt(row.seq), conference });
      for (const endpointId of row.endpoints ?? []) lines.set(endpointId, { endpointId, conference });
    }
    const room: RoomState = { ...before, ...change.room };
    if (change.room) {
      await q(
        `UPDATE monitoring_room SET generation = $2, open_since = $3, participants = $4, two_present_since = $5,
                updated_at = now()
          WHERE conference = $1`,
        [conference, room.generation, room.openSince, room.participants, room.twoPresentSince],
      );
    }
    return { stored, room, deliveryLines: [...lines.values()] };
  });
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
