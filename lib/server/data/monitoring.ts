/**
 * Session-monitoring events and rooms. Every write for a conference happens under a lock on its `monitoring_room`
 * row, in one transaction: the room's state is read, the caller decides what happened, the new events are inserted
 * (idempotent on `dedupe_key`), the room is updated and a delivery row is made for every enabled webhook endpoint
 * the event matches. Events of one conference therefore get `seq` values in the order they were decided, and a
 * delivery job never sees a later event committed before an earlier one.
 */
import { createHash } from 'node:crypto';
import type {
  MonitoringEventDto,
  MonitoringEventName,
  MonitoringPayload,
  MonitoringSource,
} from '@/lib/schemas/monitoring';
import type { BatchOutcome } from '@/lib/server/batcher';
import { db, inTransaction } from '@/lib/server/db/client';
import type { SqlQuery } from '@/lib/server/db/transaction';

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

/** One decision of a batch: as `appendEvents`' arguments, with the dedupe keys `decide` will ask `existing` about. */
export interface BatchDecision {
  conference: string;
  decide: (room: RoomState, read: RoomReader) => RoomChange | Promise<RoomChange>;
  /** Read for the whole batch in one statement; any other read first writes the batch's events so far. */
  keys?: string[];
  /** Session rows whose stream events `decide` will read (`streamEvents`): read for the whole batch at once. */
  streamsOf?: bigint;
}

type StreamEvent = Awaited<ReturnType<RoomReader['streamEvents']>>[number];

/** Every batch room locked in one statement, in name order (two batches, on two nodes, cannot deadlock). */
const LOCK_ROOMS = `
  INSERT INTO monitoring_room (conference) SELECT c FROM unnest($1::text[]) AS c ORDER BY c
  ON CONFLICT (conference) DO UPDATE SET conference = EXCLUDED.conference
  RETURNING conference, generation, open_since, participants, two_present_since`;

/** Many events in one statement, `seq` in their order, with their deliveries (INSERT_EVENT for a batch). */
const INSERT_EVENTS = `
  WITH v AS (
    SELECT * FROM json_to_recordset($1::json) AS v(n int, id uuid, conference text, source text, event text,
           occurred_at timestamptz, session_id bigint, connection_id text, user_id text, stream_id text, payload jsonb,
           dedupe_key text)
  ), ins AS (
    INSERT INTO monitoring_event (id, conference, source, event, occurred_at, session_id, connection_id, user_id,
                                  stream_id, payload, dedupe_key)
    SELECT id, conference, source, event, occurred_at, session_id, connection_id, user_id, stream_id, payload, dedupe_key
      FROM v ORDER BY n
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, seq, conference, source, event
  ), deliveries AS (
    INSERT INTO webhook_delivery (id, endpoint_id, event_id, conference, event_seq, next_attempt_at)
    SELECT gen_random_uuid(), w.id, ins.id, ins.conference, ins.seq, now()
      FROM ins JOIN webhook_endpoint w
        ON ins.source = 'callscope' AND w.enabled
       AND (w.events IS NULL OR cardinality(w.events) = 0 OR ins.event = ANY(w.events))
       AND (w.conference_filter IS NULL OR ${conferencePatternSql('w.conference_filter', 'ins.conference')})
    ON CONFLICT DO NOTHING
    RETURNING endpoint_id, event_id
  )
  SELECT ins.id::text AS id, ins.seq::text AS seq,
         (SELECT array_agg(d.endpoint_id::text) FROM deliveries d WHERE d.event_id = ins.id) AS endpoints
    FROM ins`;

/**
 * Many decisions, possibly of many conferences, in one transaction: exactly what `appendEvents` for each, one after
 * another in the given order, would store (each `decide` sees the room and events as the earlier ones left them),
 * in a handful of statements instead of six or seven each: every room locked at once, the declared dedupe keys read
 * at once, the events inserted together, the rooms updated together. The locks are held from the first statement
 * to the commit, so a conference's events get `seq` values in decision order and commit before any later writer
 * of that room runs (webhook lines see them in that order). A `decide` that throws fails only its own decision; a
 * failing statement fails the whole batch (nothing stored).
 */
export async function appendEventsBatch(decisions: BatchDecision[]): Promise<BatchOutcome<AppendResult>[]> {
  if (decisions.length === 0) return [];
  return inTransaction(async (q) => {
    const conferences = [...new Set(decisions.map((d) => d.conference))].sort();
    const { rows: locked } = await q(LOCK_ROOMS, [conferences]);
    const rooms = new Map<string, RoomState>();
    for (const r of locked) {
      rooms.set(r.conference, {
        conference: r.conference,
        generation: r.generation,
        openSince: r.open_since,
        participants: r.participants,
        twoPresentSince: r.two_present_since,
      });
    }
    // Dedupe keys known to be stored (true) or not (false): stored ones, and those of this batch's events.
    const known = new Map<string, boolean>();
    const declared = [...new Set(decisions.flatMap((d) => d.keys ?? []))];
    for (const k of declared) known.set(k, false);
    if (declared.length > 0) {
      const { rows } = await q('SELECT dedupe_key FROM monitoring_event WHERE dedupe_key = ANY($1::text[])', [
        declared,
      ]);
      for (const r of rows) known.set(r.dedupe_key as string, true);
    }
    // Stream events per conference and session row, as stored; the batch's own are added as they are stored.
    const streams = new Map<string, StreamEvent[]>();
    const streamKey = (conference: string, sessionId: bigint) => `${conference}\u0000${sessionId}`;
    const wanted = decisions.filter((d) => d.streamsOf !== undefined);
    if (wanted.length > 0) {
      for (const d of wanted) streams.set(streamKey(d.conference, d.streamsOf as bigint), []);
      const { rows } = await q(
        `SELECT conference, session_id::text AS "sessionId", event, stream_id AS "streamId", payload FROM monitoring_event
          WHERE (conference, session_id) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))
            AND source = 'callscope' AND event IN ('streamCreated', 'streamDestroyed')
          ORDER BY seq`,
        [wanted.map((d) => d.conference), wanted.map((d) => String(d.streamsOf))],
      );
      for (const r of rows) {
        streams.get(streamKey(r.conference, BigInt(r.sessionId)))?.push({
          event: r.event,
          streamId: r.streamId,
          payload: r.payload,
        });
      }
    }

    const results: (AppendResult & { lines: Map<string, { endpointId: string; conference: string }> })[] = [];
    const outcomes: BatchOutcome<AppendResult>[] = [];
    let pending: { result: number; e: NewMonitoringEvent; id: string; payload: MonitoringPayload }[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      const records = batch.map((p, n) => ({
        n,
        id: p.id,
        conference: results[p.result].room.conference,
        source: p.e.source,
        event: p.e.event,
        occurred_at: p.e.occurredAt.toISOString(),
        session_id: p.e.sessionId !== undefined ? String(p.e.sessionId) : null,
        connection_id: p.e.connectionId ?? null,
        user_id: p.e.userId ?? null,
        stream_id: p.e.streamId ?? null,
        payload: p.payload,
        dedupe_key: p.e.dedupeKey,
      }));
      const { rows } = await q(INSERT_EVENTS, [JSON.stringify(records)]);
      const byId = new Map(rows.map((r) => [r.id as string, r as { seq: string; endpoints: string[] | null }]));
      for (const p of batch) {
        const row = byId.get(p.id);
        if (!row) continue;
        const result = results[p.result];
        const conference = result.room.conference;
        result.stored.push({ ...p.e, payload: p.payload, id: p.id, seq: BigInt(row.seq), conference });
        if (
          p.e.sessionId !== undefined &&
          p.e.source === 'callscope' &&
          /^stream(Created|Destroyed)$/.test(p.e.event)
        ) {
          streams
            .get(streamKey(conference, p.e.sessionId))
            ?.push({ event: p.e.event, streamId: p.e.streamId ?? null, payload: p.payload });
        }
        for (const endpointId of row.endpoints ?? []) result.lines.set(endpointId, { endpointId, conference });
      }
    };

    const changed = new Set<string>();
    for (const [i, d] of decisions.entries()) {
      const before = rooms.get(d.conference) as RoomState;
      const direct = reader(q, before);
      const read: RoomReader = {
        async existing(keys) {
          if (keys.every((k) => known.has(k))) return new Set(keys.filter((k) => known.get(k)));
          await flush();
          return direct.existing(keys);
        },
        async streamEvents(sessionId) {
          const cached = streams.get(streamKey(d.conference, sessionId));
          // The batch's events not written yet may be some of these: written first, so the answer is as stored.
          if (pending.some((p) => p.e.sessionId === sessionId)) await flush();
          if (cached) return [...cached];
          return direct.streamEvents(sessionId);
        },
        async connectionsSinceOpen() {
          await flush();
          return direct.connectionsSinceOpen();
        },
      };
      let change: RoomChange;
      try {
        change = await d.decide(before, read);
      } catch (error) {
        outcomes[i] = { ok: false, error };
        continue;
      }
      const room: RoomState = { ...before, ...change.room };
      rooms.set(d.conference, room);
      if (change.room) changed.add(d.conference);
      const index = results.length;
      results.push({ stored: [], room, deliveryLines: [], lines: new Map() });
      outcomes[i] = { ok: true, value: results[index] };
      for (const e of change.events) {
        const id = monitoringEventId(e.dedupeKey);
        const payload: MonitoringPayload = { ...e.payload, callscope: { ...e.payload.callscope, eventId: id } };
        pending.push({ result: index, e, id, payload });
        // Stored after the flush, or already there (ON CONFLICT DO NOTHING): either way it exists from now on.
        known.set(e.dedupeKey, true);
      }
    }
    await flush();
    if (changed.size > 0) {
      const updates = [...changed].sort().map((c) => {
        const r = rooms.get(c) as RoomState;
        return {
          conference: c,
          generation: r.generation,
          open_since: r.openSince?.toISOString() ?? null,
          participants: r.participants,
          two_present_since: r.twoPresentSince?.toISOString() ?? null,
        };
      });
      await q(
        `UPDATE monitoring_room m SET generation = v.generation, open_since = v.open_since, participants = v.participants,
                two_present_since = v.two_present_since, updated_at = now()
           FROM json_to_recordset($1::json) AS v(conference text, generation int, open_since timestamptz,
                participants int, two_present_since timestamptz)
          WHERE m.conference = v.conference`,
        [JSON.stringify(updates)],
      );
    }
    for (const r of results) {
      r.deliveryLines = [...r.lines.values()];
    }
    return outcomes.map((o) => {
      if (!o.ok) return o;
      const { lines: _lines, ...result } = o.value as AppendResult & { lines?: unknown };
      return { ok: true, value: result };
    });
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
  const rows = await db().monitoringRoom.findMany({
    where: { openSince: { not: null }, twoPresentSince: { not: null } },
  });
  return rows.map((r) => ({
    conference: r.conference,
    generation: r.generation,
    openSince: r.openSince,
    participants: r.participants,
    twoPresentSince: r.twoPresentSince,
  }));
}
