/**
 * Session monitoring's entry point: what happened in a conference, as events (lib/schemas/monitoring.ts), stored in
 * order through data/monitoring.ts. Callscope's own events come from the ingest (a connection opens or closes) and
 * the live analysis (a stream starts or stops, an issue opens or closes); platform callbacks and room policies add
 * theirs through `record`. Listeners run after each commit (webhook deliveries, room policies); a failing listener
 * is logged and never undoes the event.
 *
 * Ids: `connection.id` is the session id the token (or Jitsi identity) names, else `cs-<row id>`. Dedupe keys make
 * every emission idempotent, so two nodes (or a restart) reporting one end store it once.
 */
import type {
  MonitoringConnection,
  MonitoringEventName,
  MonitoringPayload,
  MonitoringStream,
} from '@/lib/schemas/monitoring';
import { type BatchOutcome, Batcher } from '@/lib/server/batcher';
import {
  type AppendResult,
  appendEvents,
  appendEventsBatch,
  type BatchDecision,
  type NewMonitoringEvent,
  type RoomChange,
  type RoomReader,
  type RoomState,
} from '@/lib/server/data/monitoring';
import { logger } from '@/lib/server/logger';

/** A Callscope connection: one "rtcstats-server" row in a conference. */
export interface ConnectionInfo {
  rowId: bigint;
  conference: string;
  /** The token's session id, if any. */
  session: string | null;
  user: string | null;
  /** Epoch ms: the session's start. */
  createdAt: number;
}

export interface StreamInfo {
  /** Stable within the connection (the outbound track's id). */
  id: string;
  kind: 'audio' | 'video';
  /** camera | screen for video; absent for audio. */
  videoType?: 'camera' | 'screen' | 'custom';
  name?: string;
  /** Epoch ms. */
  at: number;
}

/** A session row as monitoring names it; undefined when it is in no conference. */
export function connectionFromRow(row: {
  id: bigint;
  rtcstatsConference: string | null;
  rtcstatsSession: string | null;
  rtcstatsUser: string | null;
  sessionStart: Date | null;
}): ConnectionInfo | undefined {
  if (!row.rtcstatsConference) return undefined;
  return {
    rowId: row.id,
    conference: row.rtcstatsConference,
    session: row.rtcstatsSession,
    user: row.rtcstatsUser,
    createdAt: row.sessionStart?.getTime() ?? 0,
  };
}

export type MonitoringListener = (result: AppendResult) => void | Promise<void>;

/** Vonage's reasons from a WebSocket close: a normal close is the client's; 1006, timeouts and idle are the network's. */
export function disconnectReason(closeCode: number | null | undefined, nodeLost = false): string {
  if (nodeLost) return 'networkDisconnected';
  return closeCode === 1000 || closeCode === 1001 || closeCode === 1005 ? 'clientDisconnected' : 'networkDisconnected';
}

export class Monitoring {
  private readonly listeners: MonitoringListener[] = [];
  /**
   * What the live sessions say (connections opening and closing, streams starting and stopping, quality issues),
   * many at once (a ramp of clients): their decisions go out in one transaction per batch (data/monitoring.ts
   * appendEventsBatch), in the order they were made, one batch at a time.
   */
  private readonly connections = new Batcher<BatchDecision, AppendResult>((decisions) => this.writeBatch(decisions));

  constructor(private readonly options: { projectId: string; baseUrl?: string }) {}

  onStored(listener: MonitoringListener): void {
    this.listeners.push(listener);
  }

  connection(c: ConnectionInfo): MonitoringConnection {
    return { id: c.session ?? `cs-${c.rowId}`, createdAt: c.createdAt, data: c.user };
  }

  /** A payload in the Vonage shape with Callscope's fields (eventId is filled in when stored). */
  payload(
    event: MonitoringEventName,
    conference: string,
    at: number,
    extra: Partial<MonitoringPayload> & { c?: ConnectionInfo } = {},
  ): MonitoringPayload {
    const { c, ...rest } = extra;
    const base = this.options.baseUrl?.replace(/\/$/, '');
    const links: Record<string, string> = {};
    if (base) {
      links.conference = `${base}/conferences/${encodeURIComponent(conference)}`;
      if (c) links.session = `${base}/sessions/${c.rowId}`;
    }
    return {
      sessionId: conference,
      projectId: this.options.projectId,
      event,
      timestamp: at,
      ...(c ? { connection: this.connection(c) } : {}),
      ...rest,
      callscope: {
        source: 'callscope',
        eventId: '',
        ...(c ? { user: c.user, sessionRowId: String(c.rowId) } : {}),
        ...(base ? { links } : {}),
        ...rest.callscope,
      },
    };
  }

  private event(
    event: MonitoringEventName,
    c: ConnectionInfo,
    at: number,
    dedupeKey: string,
    extra: Partial<MonitoringPayload> = {},
  ): NewMonitoringEvent {
    return {
      event,
      source: 'callscope',
      occurredAt: new Date(at),
      sessionId: c.rowId,
      connectionId: this.connection(c).id,
      userId: c.user,
      streamId: extra.stream?.id,
      payload: this.payload(event, c.conference, at, { ...extra, c }),
      dedupeKey,
    };
  }

  /** Stores what `decide` says happened in the conference, then tells the listeners. */
  async record(
    conference: string,
    decide: (room: RoomState, read: RoomReader) => ReturnType<Parameters<typeof appendEvents>[1]>,
  ): Promise<AppendResult> {
    const result = await appendEvents(conference, decide);
    await this.notify(conference, result);
    return result;
  }

  /** As `record`, batched with the other decisions made meanwhile (one transaction for all). */
  private async recordBatched(decision: BatchDecision): Promise<AppendResult> {
    const result = await this.connections.add(decision);
    await this.notify(decision.conference, result);
    return result;
  }

  /**
   * A batch, or, when its transaction fails as a whole, each decision on its own (as `record` would have: a bad
   * decision fails only itself, and with the database down each fails as before).
   */
  private async writeBatch(decisions: BatchDecision[]): Promise<BatchOutcome<AppendResult>[]> {
    try {
      return await appendEventsBatch(decisions);
    } catch (err) {
      if (decisions.length === 1) return [{ ok: false, error: err }];
      const outcomes: BatchOutcome<AppendResult>[] = [];
      for (const d of decisions) {
        try {
          outcomes.push({ ok: true, value: await appendEvents(d.conference, d.decide) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    }
  }

  /** The listeners, after a commit that stored something. */
  private async notify(conference: string, result: AppendResult): Promise<void> {
    if (result.stored.length === 0 && result.deliveryLines.length === 0) return;
    for (const listener of this.listeners) {
      try {
        await listener(result);
      } catch (err) {
        logger().warn({ err, conference }, 'monitoring listener failed');
      }
    }
  }

  /**
   * A session started in a conference: connectionCreated, and sessionCreated first if the room was empty. Batched
   * with the other connections opening meanwhile (the open path of a ramp of clients).
   */
  connectionOpened(c: ConnectionInfo): Promise<AppendResult> {
    const key = `cs:connectionCreated:${c.rowId}`;
    return this.recordBatched({
      conference: c.conference,
      keys: [key],
      decide: async (room, read) => {
        if ((await read.existing([key])).size > 0) return { events: [] };
        const at = c.createdAt;
        const events: NewMonitoringEvent[] = [];
        let { generation, openSince, twoPresentSince } = room;
        if (!openSince) {
          generation++;
          openSince = new Date(at);
          events.push({
            event: 'sessionCreated',
            source: 'callscope',
            occurredAt: openSince,
            payload: this.payload('sessionCreated', c.conference, at),
            dedupeKey: `cs:sessionCreated:${c.conference}:${generation}`,
          });
        }
        events.push(this.event('connectionCreated', c, at, key));
        const participants = room.participants + 1;
        if (participants >= 2 && !twoPresentSince) twoPresentSince = new Date(at);
        return { events, room: { generation, openSince, participants, twoPresentSince } };
      },
    });
  }

  /**
   * A session ended: streamDestroyed for its streams still open, connectionDestroyed, and sessionDestroyed when it
   * was the last. Nothing when its connectionCreated was never stored (no conference then) or its end already was.
   * Batched with the other connections opening and closing meanwhile.
   */
  connectionClosed(c: ConnectionInfo, at: number, reason: string): Promise<AppendResult> {
    return this.whileConnected(c, async (room, read) => {
      const events: NewMonitoringEvent[] = [];
      for (const open of openStreams(await read.streamEvents(c.rowId))) {
        events.push(this.streamDestroyedEvent(c, open.stream, open.count, at, reason));
      }
      events.push(this.event('connectionDestroyed', c, at, `cs:connectionDestroyed:${c.rowId}`, { reason }));
      const participants = Math.max(0, room.participants - 1);
      let { openSince, twoPresentSince } = room;
      if (participants < 2) twoPresentSince = null;
      if (participants === 0 && openSince) {
        events.push({
          event: 'sessionDestroyed',
          source: 'callscope',
          occurredAt: new Date(at),
          payload: this.payload('sessionDestroyed', c.conference, at),
          dedupeKey: `cs:sessionDestroyed:${c.conference}:${room.generation}`,
        });
        openSince = null;
      }
      return { events, room: { participants, openSince, twoPresentSince } };
    });
  }

  /**
   * A batched decision about a connection that is open: `decide` runs only when its connectionCreated is stored
   * and its connectionDestroyed is not (else nothing is stored); its stream events are read with the batch.
   */
  private whileConnected(
    c: ConnectionInfo,
    decide: (room: RoomState, read: RoomReader) => Promise<RoomChange>,
  ): Promise<AppendResult> {
    const created = `cs:connectionCreated:${c.rowId}`;
    const destroyed = `cs:connectionDestroyed:${c.rowId}`;
    return this.recordBatched({
      conference: c.conference,
      keys: [created, destroyed],
      streamsOf: c.rowId,
      decide: async (room, read) => {
        const seen = await read.existing([created, destroyed]);
        if (!seen.has(created) || seen.has(destroyed)) return { events: [] };
        return decide(room, read);
      },
    });
  }

  private stream(c: ConnectionInfo, s: StreamInfo): MonitoringStream {
    return {
      id: s.id,
      connection: this.connection(c),
      createdAt: s.at,
      name: s.name ?? '',
      ...(s.kind === 'video' ? { videoType: s.videoType ?? 'camera' } : {}),
    };
  }

  private streamDestroyedEvent(c: ConnectionInfo, stream: MonitoringStream, n: number, at: number, reason: string) {
    return this.event('streamDestroyed', c, at, `cs:streamDestroyed:${c.rowId}:${stream.id}:${n}`, { stream, reason });
  }

  /**
   * A track started being sent (its n-th start, if it restarts). Nothing once the connection has ended. Batched
   * with the connections opening and closing, in call order (so a stream never overtakes its connectionCreated).
   */
  streamStarted(c: ConnectionInfo, s: StreamInfo): Promise<AppendResult> {
    return this.whileConnected(c, async (_room, read) => {
      const history = await read.streamEvents(c.rowId);
      if (openStreams(history).some((o) => o.stream.id === s.id)) return { events: [] };
      const n = history.filter((e) => e.event === 'streamCreated' && e.streamId === s.id).length + 1;
      const stream = this.stream(c, s);
      return {
        events: [this.event('streamCreated', c, s.at, `cs:streamCreated:${c.rowId}:${s.id}:${n}`, { stream })],
      };
    });
  }

  /** A track stopped being sent while the connection stays (`mediaStopped` for a screen share that ended). Batched. */
  streamStopped(c: ConnectionInfo, streamId: string, at: number, reason: string): Promise<AppendResult> {
    return this.recordBatched({
      conference: c.conference,
      streamsOf: c.rowId,
      decide: async (_room, read) => {
        const open = openStreams(await read.streamEvents(c.rowId)).find((o) => o.stream.id === streamId);
        if (!open) return { events: [] };
        return { events: [this.streamDestroyedEvent(c, open.stream, open.count, at, reason)] };
      },
    });
  }

  /** An issue opened or closed on a live session (`qualityIssue`); `key` names the issue within the session. Batched. */
  qualityIssue(
    c: ConnectionInfo,
    issue: NonNullable<MonitoringPayload['issue']>,
    key: string,
    at: number,
  ): Promise<AppendResult> {
    return this.recordBatched({
      conference: c.conference,
      decide: () => ({
        events: [this.event('qualityIssue', c, at, `cs:qualityIssue:${c.rowId}:${key}:${issue.state}`, { issue })],
      }),
    });
  }
}

/** The streams created and not destroyed yet, with how many times each was created. */
function openStreams(history: { event: string; streamId: string | null; payload: MonitoringPayload }[]) {
  const open = new Map<string, { stream: MonitoringStream; count: number }>();
  const counts = new Map<string, number>();
  for (const e of history) {
    if (!e.streamId) continue;
    if (e.event === 'streamCreated' && e.payload.stream) {
      const count = (counts.get(e.streamId) ?? 0) + 1;
      counts.set(e.streamId, count);
      open.set(e.streamId, { stream: e.payload.stream, count });
    } else if (e.event === 'streamDestroyed') open.delete(e.streamId);
  }
  return [...open.values()];
}
