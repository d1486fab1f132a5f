import { db } from '@/lib/server/db/client';
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

export async function insertSession(s: NewSession): Promise<bigint> {
  const row = await db().rtcstatsSession.create({
    data: {
      dumpId: s.dumpId,
      source: s.source,
      format: s.format,
      sessionStart: s.sessionStart,
      rtcstatsUser: s.identity.user ?? null,
      rtcstatsConference: s.identity.conference ?? null,
      rtcstatsSession: s.identity.session ?? null,
      hostIdentifier: s.hostIdentifier ?? null,
      clientProtocol: s.clientProtocol ?? null,
      deviceId: s.deviceId ?? null,
      userIsDevice: s.userIsDevice,
      origin: s.origin ?? null,
      userAgent: s.userAgent ?? null,
      url: s.url ?? null,
      remoteAddress: s.remoteAddress ?? null,
      browserName: s.browserName ?? null,
      browserVersion: s.browserVersion ?? null,
      osName: s.osName ?? null,
      signingKeyId: s.signingKeyId ?? null,
      historical: s.historical,
      status: s.status ?? 'live',
    },
    select: { id: true },
  });
  // Directory counts are for search; keep them off the path that holds a new client's first frames.
  touchDirectory(s.identity, s.sessionStart).catch((err) =>
    logger().warn({ err }, 'updating conference/user records failed'),
  );
  return row.id;
}

/** Keeps the conference and end-user records (first/last seen, counts) in step with a new session. */
export async function touchDirectory(identity: RtcstatsIdentity, at: Date): Promise<void> {
  const client = db();
  if (identity.user) {
    await client.$executeRaw`
      INSERT INTO end_user (id, external_id, first_seen, last_seen, session_count)
      VALUES (gen_random_uuid(), ${identity.user}, ${at}, ${at}, 1)
      ON CONFLICT (external_id) DO UPDATE SET
        first_seen = LEAST(end_user.first_seen, EXCLUDED.first_seen),
        last_seen = GREATEST(end_user.last_seen, EXCLUDED.last_seen),
        session_count = end_user.session_count + 1`;
  }
  if (identity.conference) {
    await client.$executeRaw`
      INSERT INTO conference (id, name, first_seen, last_seen, session_count, user_count)
      VALUES (gen_random_uuid(), ${identity.conference}, ${at}, ${at}, 1, 0)
      ON CONFLICT (name) DO UPDATE SET
        first_seen = LEAST(conference.first_seen, EXCLUDED.first_seen),
        last_seen = GREATEST(conference.last_seen, EXCLUDED.last_seen),
        session_count = conference.session_count + 1`;
    await client.$executeRaw`
      UPDATE conference SET user_count = (
        SELECT count(DISTINCT rtcstats_user) FROM "rtcstats-server" WHERE rtcstats_conference = ${identity.conference}
      ) WHERE name = ${identity.conference}`;
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

export async function endSession(id: bigint, end: SessionEnd): Promise<void> {
  await db().rtcstatsSession.update({
    where: { id },
    data: {
      sessionEnd: end.sessionEnd,
      blobUrl: end.blobUrl,
      closeCode: end.closeCode ?? null,
      closeReason: end.closeReason ?? null,
      messageCount: end.messageCount,
      byteCount: BigInt(end.byteCount),
      firstEventAt: end.firstEventAt,
      lastEventAt: end.lastEventAt,
      lastMessageAt: end.sessionEnd,
      status: end.status ?? 'ended',
      ...(end.historical ? { historical: true } : {}),
    },
  });
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
 * UPDATE each would hold the pool). Only rows still live: an end written meanwhile has the final counters.
 */
export async function updateLiveProgressBatch(batch: LiveProgress[]): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < batch.length; i += CHUNK) {
    const rows = batch.slice(i, i + CHUNK);
    const at = (d: Date | undefined) => (d ? d.toISOString() : null);
    await db().$executeRaw`
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
       WHERE s.id = v.id AND s.status = 'live'`;
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
