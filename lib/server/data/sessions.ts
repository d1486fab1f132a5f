import { databasePool, db } from '@/lib/server/db/client';
import { retryOnDeadlock } from '@/lib/server/db/transaction';
import { logger } from '@/lib/server/logger';
import type { RtcstatsIdentity } from '@/lib/shared/auth-token';

/** Data access for session rows ("rtcstats-server") and the conference / end-user records they feed. */

export interface NewSession {
  dumpId: string;
  source: 'websocket' | 'upload' | 'frames';
  format: 'rtcstats' | 'jitsi' | 'webrtc-internals';
  identity: RtcstatsIdentity;
  sessionStart: Date;
  hostIdentifier?: string;
  clientProtocol?: string;
  deviceId?: string;
  userIsDevice: boolean;
  origin?: string;
  userAgent?: string;
  url?: string;
  remoteAddress?: string;
  browserName?: string;
  browserVersion?: string;
  osName?: string;
  signingKeyId?: string;
  historical: boolean;
  status?: 'live' | 'ended';
}

/** One new row (an upload): the same statement as the live sessions' batches, then its directory records. */
export async function insertSession(s: NewSession): Promise<bigint> {
  const [id] = await insertSessions([s]);
  // Directory counts are for search; keep them off the path that holds a new client's first frames.
  touchDirectory(s.identity, s.sessionStart).catch((err) =>
    logger().warn({ err }, 'updating conference/user records failed'),
  );
  return id;
}

/**
 * Many new live rows in one statement (sessions opening together: one round trip, not one each). Plain SQL: the
 * Prisma client's per-call work was a large part of the ingest thread's cost of an open. Ids in the rows' order.
 * The directory is not touched here: the caller batches it (touchDirectoryBatch).
 */
export async function insertSessions(rows: NewSession[]): Promise<bigint[]> {
  if (rows.length === 0) return [];
  const records = rows.map((s, n) => ({
    n,
    dump_id: s.dumpId,
    source: s.source,
    format: s.format,
    session_start: s.sessionStart.toISOString(),
    rtcstats_user: s.identity.user ?? null,
    rtcstats_conference: s.identity.conference ?? null,
    rtcstats_session: s.identity.session ?? null,
    host_identifier: s.hostIdentifier ?? null,
    client_protocol: s.clientProtocol ?? null,
    device_id: s.deviceId ?? null,
    user_is_device: s.userIsDevice,
    origin: s.origin ?? null,
    user_agent: s.userAgent ?? null,
    url: s.url ?? null,
    remote_address: s.remoteAddress ?? null,
    browser_name: s.browserName ?? null,
    browser_version: s.browserVersion ?? null,
    os_name: s.osName ?? null,
    signing_key_id: s.signingKeyId ?? null,
    historical: s.historical,
    status: s.status ?? 'live',
  }));
  const { rows: inserted } = await pool().query(
    `INSERT INTO "rtcstats-server" (dump_id, source, format, session_start, rtcstats_user, rtcstats_conference,
            rtcstats_session, host_identifier, client_protocol, device_id, user_is_device, origin, user_agent, url,
            remote_address, browser_name, browser_version, os_name, signing_key_id, historical, status)
     SELECT r.dump_id, r.source, r.format, r.session_start, r.rtcstats_user, r.rtcstats_conference, r.rtcstats_session,
            r.host_identifier, r.client_protocol, r.device_id, r.user_is_device, r.origin, r.user_agent, r.url,
            r.remote_address, r.browser_name, r.browser_version, r.os_name, r.signing_key_id, r.historical, r.status
       FROM json_to_recordset($1::json) AS r(n int, dump_id uuid, source text, format text, session_start timestamptz,
            rtcstats_user text, rtcstats_conference text, rtcstats_session text, host_identifier text,
            client_protocol text, device_id text, user_is_device boolean, origin text, user_agent text, url text,
            remote_address text, browser_name text, browser_version text, os_name text, signing_key_id text,
            historical boolean, status text)
      ORDER BY r.n
     RETURNING id::text, dump_id::text`,
    [JSON.stringify(records)],
  );
  const ids = new Map(inserted.map((r) => [r.dump_id as string, BigInt(r.id as string)]));
  return rows.map((s) => {
    const id = ids.get(s.dumpId.toLowerCase());
    if (id === undefined) throw new Error(`session row for dump ${s.dumpId} not returned`);
    return id;
  });
}

function pool() {
  db();
  const p = databasePool();
  if (!p) throw new Error('database not connected yet');
  return p;
}

/** Keeps the conference and end-user records (first/last seen, counts) in step with a new session. */
export function touchDirectory(identity: RtcstatsIdentity, at: Date): Promise<void> {
  return touchDirectoryBatch([{ identity, at }]);
}

/**
 * The directory for many new sessions at once: one statement for the users, one for the conferences, one for their
 * user counts, whatever the number of sessions. Each record is counted once per statement (an upsert may not touch
 * a row twice), its first/last seen the earliest/latest of the batch; rows in key order, so two batches at once
 * cannot deadlock.
 */
export async function touchDirectoryBatch(entries: { identity: RtcstatsIdentity; at: Date }[]): Promise<void> {
  const users = new Map<string, { first: Date; last: Date; count: number }>();
  const conferences = new Map<string, { first: Date; last: Date; count: number }>();
  const add = (m: typeof users, key: string | undefined, at: Date) => {
    if (!key) return;
    const e = m.get(key);
    if (!e) m.set(key, { first: at, last: at, count: 1 });
    else {
      if (at < e.first) e.first = at;
      if (at > e.last) e.last = at;
      e.count++;
    }
  };
  for (const { identity, at } of entries) {
    add(users, identity.user, at);
    add(conferences, identity.conference, at);
  }
  const columns = (m: typeof users) => {
    const keys = [...m.keys()].sort();
    return [
      keys,
      keys.map((k) => m.get(k)?.first.toISOString()),
      keys.map((k) => m.get(k)?.last.toISOString()),
      keys.map((k) => m.get(k)?.count),
    ];
  };
  const q = pool();
  if (users.size > 0) {
    await q.query(
      `INSERT INTO end_user (id, external_id, first_seen, last_seen, session_count)
       SELECT gen_random_uuid(), u.k, u.f, u.l, u.n
         FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::int[]) AS u(k, f, l, n)
        ORDER BY u.k
       ON CONFLICT (external_id) DO UPDATE SET
         first_seen = LEAST(end_user.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(end_user.last_seen, EXCLUDED.last_seen),
         session_count = end_user.session_count + EXCLUDED.session_count`,
      columns(users),
    );
  }
  if (conferences.size > 0) {
    const cols = columns(conferences);
    await q.query(
      `INSERT INTO conference (id, name, first_seen, last_seen, session_count, user_count)
       SELECT gen_random_uuid(), c.k, c.f, c.l, c.n, 0
         FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::int[]) AS c(k, f, l, n)
        ORDER BY c.k
       ON CONFLICT (name) DO UPDATE SET
         first_seen = LEAST(conference.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(conference.last_seen, EXCLUDED.last_seen),
         session_count = conference.session_count + EXCLUDED.session_count`,
      cols,
    );
    await q.query(
      `UPDATE conference SET user_count = (
         SELECT count(DISTINCT rtcstats_user) FROM "rtcstats-server" WHERE rtcstats_conference = conference.name
       ) WHERE name = ANY($1::text[])`,
      [cols[0]],
    );
  }
}

export interface SessionEnd {
  sessionEnd: Date;
  blobUrl: string | null;
  closeCode?: number;
  closeReason?: string;
  messageCount: number;
  byteCount: number;
  firstEventAt?: Date;
  lastEventAt?: Date;
  status?: 'ended' | 'failed';
  /** True sets the flag in the same statement as the end (a reader never sees an ended row without it). */
  historical?: boolean;
}

/** One session's end: the statement of the batched ends; throws when the row is gone. */
export async function endSession(id: bigint, end: SessionEnd): Promise<void> {
  const found = await endSessions([{ id, end }]);
  if (!found.has(id)) throw new Error(`session ${id} not found`);
}

/**
 * The ends of many sessions in one statement (a thousand clients closing at once: one round trip, not a thousand
 * updates waiting for the pool; one session's end is a batch of one, `endSession`). Answers the ids that were found
 * (a row erased meanwhile is not). Each id at most once per call.
 */
export async function endSessions(batch: { id: bigint; end: SessionEnd }[]): Promise<Set<bigint>> {
  if (batch.length === 0) return new Set();
  const at = (d: Date | undefined) => (d ? d.toISOString() : null);
  // Rows locked in id order first (a join's plan may visit them in any order), as every batched write of them is:
  // two at once then lock in the same order and cannot deadlock. FOR NO KEY UPDATE, what the UPDATE itself takes:
  // the KEY SHARE locks of a store inserting the session's tracks do not hold it up.
  const sorted = [...batch].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const records = sorted.map(({ id, end }) => ({
    id: String(id),
    session_end: end.sessionEnd.toISOString(),
    blob_url: end.blobUrl,
    close_code: end.closeCode ?? null,
    close_reason: end.closeReason ?? null,
    message_count: end.messageCount,
    byte_count: String(end.byteCount),
    first_event_at: at(end.firstEventAt),
    last_event_at: at(end.lastEventAt),
    status: end.status ?? 'ended',
    historical: end.historical === true,
  }));
  const { rows } = await retryOnDeadlock(() =>
    pool().query(
      `WITH locked AS (SELECT id FROM "rtcstats-server" WHERE id = ANY($2::bigint[]) ORDER BY id FOR NO KEY UPDATE)
      UPDATE "rtcstats-server" s
        SET session_end = v.session_end, blob_url = v.blob_url, close_code = v.close_code, close_reason = v.close_reason,
            message_count = v.message_count, byte_count = v.byte_count,
            first_event_at = coalesce(v.first_event_at, s.first_event_at),
            last_event_at = coalesce(v.last_event_at, s.last_event_at),
            last_message_at = v.session_end, status = v.status, historical = s.historical OR v.historical
       FROM json_to_recordset($1::json) AS v(id bigint, session_end timestamptz, blob_url text, close_code int,
            close_reason text, message_count int, byte_count bigint, first_event_at timestamptz,
            last_event_at timestamptz, status text, historical boolean)
      WHERE s.id = v.id AND s.id IN (SELECT id FROM locked)
     RETURNING s.id::text`,
      [JSON.stringify(records), records.map((r) => r.id)],
    ),
  );
  return new Set(rows.map((r) => BigInt(r.id as string)));
}

export interface LiveProgress {
  id: bigint;
  messageCount: number;
  byteCount: number;
  lastMessageAt: Date;
  firstEventAt?: Date;
  lastEventAt?: Date;
  /** Its first event is older than 15 minutes: kept, never shown as live (set once, never cleared). */
  historical: boolean;
}

/**
 * The live counters of many sessions in one statement (thousands of live sessions write every few seconds; one
 * UPDATE each would hold the pool). Only rows still live: an end written meanwhile has the final counters. A row
 * another write holds (a store of its analysis) is skipped: its counters come again with its next report, and the
 * batch does not wait behind that write with every other session's.
 */
export async function updateLiveProgressBatch(batch: LiveProgress[]): Promise<void> {
  const CHUNK = 500;
  // Rows locked in id order first (as endSessions and storeAnalyses): concurrent batches lock in one order.
  const sorted = [...batch].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const rows = sorted.slice(i, i + CHUNK);
    const at = (d: Date | undefined) => (d ? d.toISOString() : null);
    await retryOnDeadlock(
      () => db().$executeRaw`
      WITH locked AS (SELECT id FROM "rtcstats-server" WHERE id = ANY(${rows.map((r) => String(r.id))}::bigint[])
                       ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)
      UPDATE "rtcstats-server" s
         SET message_count = v.message_count,
             byte_count = v.byte_count,
             last_message_at = v.last_message_at,
             first_event_at = coalesce(v.first_event_at, s.first_event_at),
             last_event_at = coalesce(v.last_event_at, s.last_event_at),
             historical = s.historical OR v.historical
        FROM unnest(${rows.map((r) => String(r.id))}::bigint[], ${rows.map((r) => r.messageCount)}::int[],
                    ${rows.map((r) => String(r.byteCount))}::bigint[], ${rows.map((r) => at(r.lastMessageAt))}::timestamptz[],
                    ${rows.map((r) => at(r.firstEventAt))}::timestamptz[], ${rows.map((r) => at(r.lastEventAt))}::timestamptz[],
                    ${rows.map((r) => r.historical)}::boolean[])
             AS v(id, message_count, byte_count, last_message_at, first_event_at, last_event_at, historical)
       WHERE s.id = v.id AND s.status = 'live' AND s.id IN (SELECT id FROM locked)`,
    );
  }
}

/** Jitsi's rule: a statsSessionId that already has a dump is not accepted again. */
export async function jitsiSessionExists(statsSessionId: string): Promise<boolean> {
  const row = await db().rtcstatsSession.findFirst({
    where: { rtcstatsSession: statsSessionId, format: 'jitsi' },
    select: { id: true },
  });
  return row !== null;
}

/**
 * Identity a live dump gives after its row was opened (a Jitsi `identity` line): fills the fields the token did not
 * claim. A user from the dump is a person, no longer the device standing in.
 */
export async function applyDumpIdentity(id: bigint, identity: RtcstatsIdentity, at: Date): Promise<void> {
  if (!identity.user && !identity.conference && !identity.session) return;
  await db().rtcstatsSession.update({
    where: { id },
    data: {
      ...(identity.user ? { rtcstatsUser: identity.user, userIsDevice: false } : {}),
      ...(identity.conference ? { rtcstatsConference: identity.conference } : {}),
      ...(identity.session ? { rtcstatsSession: identity.session } : {}),
    },
  });
  await touchDirectory(identity, at);
}

/**
 * Rows still `live` that an instance with this host identifier opened: at start-up, those no connection of this
 * process owns were left by its previous run. Another instance's rows (a different CALLSCOPE_HOST_IDENTIFIER on
 * the same database) are its own to recover.
 */
export async function findLiveSessions(hostIdentifier: string | undefined) {
  return db().rtcstatsSession.findMany({
    where: { status: 'live', hostIdentifier: hostIdentifier ?? null },
    select: {
      id: true,
      dumpId: true,
      messageCount: true,
      byteCount: true,
      lastMessageAt: true,
      rtcstatsConference: true,
      rtcstatsSession: true,
      rtcstatsUser: true,
      sessionStart: true,
    },
  });
}

const saltCache = new Map<string, string>();

/** The day's device-id salt, created once (race-safe across connections and processes). */
export async function currentSalt(day: string, make: () => string): Promise<string> {
  const cached = saltCache.get(day);
  if (cached) return cached;
  const client = db();
  await client.$executeRaw`INSERT INTO device_salt (day, salt) VALUES (${day}, ${make()}) ON CONFLICT (day) DO NOTHING`;
  const row = await client.deviceSalt.findUniqueOrThrow({ where: { day } });
  saltCache.set(day, row.salt);
  return row.salt;
}
