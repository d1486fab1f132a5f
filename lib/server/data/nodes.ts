import { db } from '@/lib/server/db/client';

/**
 * Node liveness (lib/server/node-liveness.ts): heartbeats, and live sessions of lost nodes ended by the nodes that
 * are still running. A node is its CALLSCOPE_HOST_IDENTIFIER ('' when unset, as for a single node).
 */

const nodeKey = (hostIdentifier: string | undefined) => hostIdentifier ?? '';

export async function beat(hostIdentifier: string | undefined, startedAt: Date): Promise<void> {
  const host = nodeKey(hostIdentifier);
  await db().$executeRaw`
    INSERT INTO node_heartbeat (host_identifier, started_at, last_seen) VALUES (${host}, ${startedAt}, now())
    ON CONFLICT (host_identifier) DO UPDATE SET last_seen = now(), started_at = EXCLUDED.started_at`;
}

/** A node that stops cleanly leaves no heartbeat (its sessions were all ended by its drain). */
export async function leave(hostIdentifier: string | undefined): Promise<void> {
  await db().$executeRaw`DELETE FROM node_heartbeat WHERE host_identifier = ${nodeKey(hostIdentifier)}`;
}

export interface TakenOver {
  id: bigint;
  conference: string | null;
  host: string | null;
  /** The session had a stored live snapshot, which is now its analysis. */
  finalised: boolean;
  /** Session monitoring's view of the row (its connectionDestroyed). */
  row: {
    id: bigint;
    rtcstatsConference: string | null;
    rtcstatsSession: string | null;
    rtcstatsUser: string | null;
    sessionStart: Date | null;
    sessionEnd: Date | null;
  };
}

/**
 * Ends, in one statement (so one node takes each), the live sessions of every other node whose heartbeat is older
 * than `timeoutSeconds` or absent: at their last stored frame, 1006, marked `node_lost`. A session with a stored
 * snapshot keeps it as its analysis (its processing is finished as of now); one without waits for its node.
 */
export async function takeOverLostNodes(
  hostIdentifier: string | undefined,
  timeoutSeconds: number,
): Promise<TakenOver[]> {
  const rows = await db().$queryRaw<
    {
      id: bigint;
      rtcstats_conference: string | null;
      rtcstats_session: string | null;
      rtcstats_user: string | null;
      session_start: Date | null;
      session_end: Date | null;
      host_identifier: string | null;
      finalised: boolean;
    }[]
  >`
    UPDATE "rtcstats-server" s
       SET status = 'ended',
           session_end = coalesce(s.last_message_at, s.session_start),
           close_code = 1006,
           close_reason = 'node lost: ' || coalesce(nullif(s.host_identifier, ''), 'the default node') ||
                          ' stopped answering; analysis as stored before',
           node_lost = true,
           features_processing_stop = CASE WHEN EXISTS (SELECT 1 FROM session_analysis a WHERE a.session_id = s.id)
                                           THEN now() ELSE s.features_processing_stop END
     WHERE s.status = 'live'
       AND coalesce(s.host_identifier, '') <> ${nodeKey(hostIdentifier)}
       AND NOT EXISTS (SELECT 1 FROM node_heartbeat h
                        WHERE h.host_identifier = coalesce(s.host_identifier, '')
                          AND h.last_seen > now() - make_interval(secs => ${timeoutSeconds}))
    RETURNING s.id, s.rtcstats_conference, s.rtcstats_session, s.rtcstats_user, s.session_start, s.session_end,
              s.host_identifier,
              EXISTS (SELECT 1 FROM session_analysis a WHERE a.session_id = s.id) AS finalised`;
  return rows.map((r) => ({
    id: r.id,
    conference: r.rtcstats_conference,
    host: r.host_identifier,
    finalised: r.finalised,
    row: {
      id: r.id,
      rtcstatsConference: r.rtcstats_conference,
      rtcstatsSession: r.rtcstats_session,
      rtcstatsUser: r.rtcstats_user,
      sessionStart: r.session_start,
      sessionEnd: r.session_end,
    },
  }));
}

/** This node's sessions another node ended while it was lost, whose dump it has not stored yet. */
export async function findLostNodeDumps(hostIdentifier: string | undefined) {
  return db().rtcstatsSession.findMany({
    where: { hostIdentifier: hostIdentifier ?? null, nodeLost: true, blobUrl: null, status: 'ended' },
    select: { id: true, dumpId: true },
  });
}

/** The dump of a session ended while its node was lost, stored now: the session is processed again from it. */
export async function attachRecoveredDump(id: bigint, blobUrl: string): Promise<void> {
  await db().rtcstatsSession.update({ where: { id }, data: { blobUrl } });
}
