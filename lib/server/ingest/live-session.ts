import { randomUUID } from 'node:crypto';
import Bowser from 'bowser';
import type { VerifiedIngest } from '@/lib/server/auth/ingest-token';
import type { ServerContext } from '@/lib/server/context';
import type { SessionEnd } from '@/lib/server/data/sessions';
import { deviceIdAt } from '@/lib/server/ingest/device-id';
import { DumpWriter } from '@/lib/server/ingest/dump-writer';
import { clampClientTime, isHistoricalTime, trailingNumber } from '@/lib/server/ingest/session-rules';
import { insertLiveSession, writeSessionEnd } from '@/lib/server/ingest/session-rows';
import { logger } from '@/lib/server/logger';
import { type ConnectionInfo, disconnectReason } from '@/lib/server/monitoring/monitoring';
import type { LiveMonitoring } from '@/lib/server/processing/live-states';
import { obfuscateIp } from '@/lib/stats/decode/address-obfuscation';

/**
 * One client session being written: the DB row, the append-only dump, counters. Transport-agnostic: the
 * rtcstats and Jitsi WebSocket handlers and the HTTP frames endpoint all feed it.
 */
export interface OpenSessionParams {
  source: 'websocket' | 'frames';
  format: 'rtcstats' | 'jitsi';
  auth: VerifiedIngest;
  userAgent?: string;
  origin?: string;
  /** Path and query with the token replaced by `obfuscated`. */
  url: string;
  remoteAddress?: string;
  clientProtocol?: string;
  /** rtcstats: sum the trailing deltas; jitsi: absolute times. */
  timing: 'delta' | 'absolute';
  /** Builds the dump header lines from the final metadata object. */
  header: (metadata: Record<string, unknown>) => string[];
}

const PROGRESS_EVERY_MS = 5_000;

export class LiveSession {
  messageCount = 0;
  byteCount = 0;
  lastMessageAt: number;
  firstEventAt?: number;
  lastEventAt?: number;
  private clientClock = 0;
  private lastProgressAt = 0;
  private lastSnapshotAt: number;
  private ended?: Promise<void>;
  /** Monitoring calls of this session, one after another (a stream event after its connectionCreated). */
  private monitoring: Promise<unknown> = Promise.resolve();
  private monitored = false;
  /** Closes the transport (WebSocket) when the server ends the session itself (idle rule, shutdown). */
  closeTransport?: (code: number, reason: string) => void;

  private constructor(
    private readonly ctx: ServerContext,
    readonly id: bigint,
    readonly dumpId: string,
    public rtcstatsSession: string | undefined,
    private readonly identity: { user?: string; conference?: string },
    private readonly writer: DumpWriter,
    private readonly timing: 'delta' | 'absolute',
    readonly startedAt: number,
  ) {
    this.lastMessageAt = startedAt;
    // First progress write and live snapshot after PROGRESS_EVERY_MS, not on the first frame.
    this.lastProgressAt = startedAt;
    this.lastSnapshotAt = startedAt;
  }

  static async open(ctx: ServerContext, p: OpenSessionParams): Promise<LiveSession> {
    const startTime = Date.now();
    const dumpId = randomUUID();
    const device = await deviceIdAt(startTime, { userAgent: p.userAgent, ip: p.remoteAddress, origin: p.origin });
    const identity = { ...p.auth.identity };
    // Seed rule: with no user given, the device id stands in for the user.
    const userIsDevice = !identity.user;
    if (userIsDevice) identity.user = `device:${device}`;
    const ua = p.userAgent ? Bowser.parse(p.userAgent) : undefined;
    const obfuscatedAddress = p.remoteAddress ? obfuscateIp(p.remoteAddress) : undefined;
    const metadata: Record<string, unknown> = {
      url: p.url,
      origin: p.origin,
      userAgent: p.userAgent,
      startTime,
      remoteAddresses: obfuscatedAddress ? [obfuscatedAddress] : [],
      clientProtocol: p.clientProtocol,
      fileFormat: 3,
    };
    // The live analysis reports streams and issues of this dump to the session (also after it left ctx.live).
    let session: LiveSession | undefined;
    ctx.liveAnalysis.open(dumpId, (changes) => session?.liveChanges(changes));
    const writer = await DumpWriter.create(ctx.store.workPath(dumpId), p.header(metadata), (chunk) =>
      ctx.liveAnalysis.feed(dumpId, chunk),
    );
    let id: bigint;
    try {
      id = await insertLiveSession({
        dumpId,
        source: p.source,
        format: p.format,
        identity,
        sessionStart: new Date(startTime),
        hostIdentifier: ctx.hostIdentifier,
        clientProtocol: p.clientProtocol,
        deviceId: device,
        userIsDevice,
        origin: p.origin,
        userAgent: p.userAgent,
        url: p.url,
        remoteAddress: obfuscatedAddress,
        browserName: ua?.browser.name,
        browserVersion: ua?.browser.version,
        osName: ua?.os.name,
        signingKeyId: p.auth.key?.id ?? p.auth.key?.kid,
        historical: false,
      });
    } catch (err) {
      // PostgreSQL down: a new connection cannot open (the caller closes it, 1011, and the client retries); the
      // sessions already open keep writing their dumps, and their row writes wait in ctx.pendingWrites.
      await writer.close();
      ctx.liveAnalysis.drop(dumpId);
      await ctx.store.remove(dumpId);
      throw err;
    }
    session = new LiveSession(ctx, id, dumpId, identity.session, identity, writer, p.timing, startTime);
    ctx.live.add(session);
    logger().info({ dumpId, sessionId: String(id), source: p.source }, 'Accepted new connection');
    session.announce();
    return session;
  }

  /** Who this session is in its conference, for session monitoring; undefined without a conference. */
  connectionInfo(): ConnectionInfo | undefined {
    if (!this.identity.conference) return undefined;
    return {
      rowId: this.id,
      conference: this.identity.conference,
      session: this.rtcstatsSession ?? null,
      user: this.identity.user ?? null,
      createdAt: this.startedAt,
    };
  }

  /**
   * Runs a monitoring call after the previous ones of this session (events of one connection in order). A failure
   * is logged: monitoring never stops the ingest.
   */
  monitor(call: (c: ConnectionInfo) => Promise<unknown>): Promise<void> {
    const next = this.monitoring.then(() => {
      const c = this.connectionInfo();
      return c && this.monitored ? call(c) : undefined;
    });
    this.monitoring = next.catch((err) =>
      logger().warn({ err, sessionId: String(this.id) }, 'session monitoring event not stored'),
    );
    return this.monitoring.then(() => {});
  }

  /** connectionCreated, once the conference is known (at open from the token; Jitsi: from its identity line). */
  private announce(): void {
    if (this.monitored || !this.identity.conference) return;
    this.monitored = true;
    void this.monitor((c) => this.ctx.monitoring.connectionOpened(c));
  }

  /**
   * What the live analysis saw change (streams started or stopped being sent, issues opened or closed), as
   * monitoring events in the order it saw them. Client times, clamped like the session's own (never ahead).
   */
  private liveChanges(changes: LiveMonitoring): void {
    const at = (t: number) => clampClientTime(t, Date.now());
    const monitoring = this.ctx.monitoring;
    for (const s of changes.streams) {
      if (s.change === 'started') {
        const info = { id: s.id, kind: s.kind, videoType: s.videoType, at: at(s.at) };
        void this.monitor((c) => monitoring.streamStarted(c, info));
      } else {
        void this.monitor((c) => monitoring.streamStopped(c, s.id, at(s.at), s.reason ?? 'clientDisconnected'));
      }
    }
    for (const i of changes.issues) {
      const issue = { type: i.type, severity: i.severity, state: i.state, track: i.track, evidence: i.evidence };
      void this.monitor((c) => monitoring.qualityIssue(c, issue, i.key, at(i.at)));
    }
  }

  /** Identity the dump gave later (Jitsi): fills what the token did not claim, and announces the connection. */
  learnIdentity(identity: { user?: string; conference?: string; session?: string }): void {
    if (this.monitored) return;
    if (identity.conference && !this.identity.conference) this.identity.conference = identity.conference;
    // A user from the dump is a person, no longer the device standing in (data/sessions.ts applyDumpIdentity).
    if (identity.user && (!this.identity.user || this.identity.user.startsWith('device:')))
      this.identity.user = identity.user;
    if (identity.session && !this.rtcstatsSession) this.rtcstatsSession = identity.session;
    this.announce();
  }

  /** Appends one frame verbatim (a WebSocket frame as its bytes). Only the trailing timestamp is read. */
  append(frame: string | Buffer): void {
    const now = Date.now();
    this.writer.append(frame);
    this.messageCount++;
    this.byteCount += frame.length;
    this.lastMessageAt = now;
    const t = trailingNumber(frame);
    if (t !== undefined) {
      if (this.timing === 'delta') this.clientClock += t;
      this.observeClientTime(this.timing === 'delta' ? this.clientClock : t, now);
    }
    if (now - this.lastProgressAt >= PROGRESS_EVERY_MS) {
      this.lastProgressAt = now;
      this.reportProgress();
    }
  }

  /** Jitsi entries carry absolute time at a known position; the handler passes it in. */
  appendWithTime(frame: string, clientTime: number | undefined): void {
    const now = Date.now();
    this.writer.append(frame);
    this.messageCount++;
    this.byteCount += frame.length;
    this.lastMessageAt = now;
    if (clientTime !== undefined && Number.isFinite(clientTime)) this.observeClientTime(clientTime, now);
    if (now - this.lastProgressAt >= PROGRESS_EVERY_MS) {
      this.lastProgressAt = now;
      this.reportProgress();
    }
  }

  private observeClientTime(clientMs: number, serverMs: number): void {
    const t = clampClientTime(clientMs, serverMs);
    if (this.firstEventAt === undefined) this.firstEventAt = t;
    if (this.lastEventAt === undefined || t > this.lastEventAt) this.lastEventAt = t;
  }

  get historical(): boolean {
    return this.firstEventAt !== undefined && isHistoricalTime(this.firstEventAt, this.startedAt);
  }

  private reportProgress(): void {
    // Batched with the other sessions'; while PostgreSQL is down the latest is kept and written when it answers.
    this.ctx.pendingWrites.progress({
      id: this.id,
      messageCount: this.messageCount,
      byteCount: this.byteCount,
      lastMessageAt: new Date(this.lastMessageAt),
      firstEventAt: this.firstEventAt !== undefined ? new Date(this.firstEventAt) : undefined,
      lastEventAt: this.lastEventAt !== undefined ? new Date(this.lastEventAt) : undefined,
      historical: this.historical,
    });
    const now = Date.now();
    // The live analysis so far, stored: the session page's series and issues while it streams.
    if (now - this.lastSnapshotAt >= this.ctx.liveAnalysis.snapshotIntervalMs(now - this.startedAt)) {
      this.lastSnapshotAt = now;
      this.ctx.scheduleProcessing(this.id, 'live', () => this.ctx.liveAnalysis.storeSnapshot(this.id, this.dumpId));
    }
  }

  /**
   * Ends the session once: final `["close", null, code, ms since last message]` line, sync, the row's end (at once:
   * `session_end` does not wait for the dump's obfuscation and compression), storage, the row's dump, processing.
   * With zero messages the file is removed and the row keeps no dump.
   */
  end(code: number, reason?: string): Promise<void> {
    if (!this.ended) {
      this.ended = this.finish(code, reason);
      this.ctx.live.trackEnd(this.ended);
    }
    return this.ended;
  }

  private async finish(code: number, reason?: string): Promise<void> {
    const endTime = Date.now();
    this.ctx.live.remove(this);
    const closeLine = JSON.stringify(['close', null, code, endTime - this.lastMessageAt]);
    const end: SessionEnd = {
      sessionEnd: new Date(endTime),
      blobUrl: null,
      closeCode: code,
      closeReason: reason,
      messageCount: this.messageCount,
      byteCount: this.byteCount,
      firstEventAt: this.firstEventAt !== undefined ? new Date(this.firstEventAt) : undefined,
      lastEventAt: this.lastEventAt !== undefined ? new Date(this.lastEventAt) : undefined,
      historical: this.historical,
    };
    // The row's end waits for PostgreSQL if it is down (pending-writes.ts); a later write of it replaces a waiting one.
    const writeEnd = (e: SessionEnd, after?: () => void) =>
      this.ctx.pendingWrites.submit(this.id, 'end', async () => {
        await writeSessionEnd(this.id, e);
        after?.();
      });
    // connectionDestroyed once the row's end is written (and the final's own changes reported), after the ends of
    // the conference's connections that closed before this one: their finals, on other threads, may finish later.
    let settleEnd: (report: boolean) => void = () => {};
    const endWritten = new Promise<boolean>((resolve) => {
      settleEnd = resolve;
    });
    this.ctx.live.afterEarlierEnds(this.identity.conference, async () => {
      if (!(await endWritten)) return;
      await this.monitor((c) => this.ctx.monitoring.connectionClosed(c, endTime, disconnectReason(code)));
    });
    const closed = () => settleEnd(true);
    if (this.messageCount === 0) {
      try {
        await this.writer.close();
        this.ctx.liveAnalysis.drop(this.dumpId);
        await this.ctx.store.remove(this.dumpId);
      } catch (err) {
        logger().error({ err, dumpId: this.dumpId }, 'ending session failed');
      }
      await writeEnd({ ...end, status: 'ended' }, closed);
      return;
    }
    let final: Promise<boolean>;
    try {
      await this.writer.close(closeLine);
      // Every byte of the dump is fed now: the final analysis is made while the dump is stored.
      final = this.ctx.liveAnalysis.finish(this.dumpId);
    } catch (err) {
      logger().error({ err, dumpId: this.dumpId }, 'ending session failed');
      this.ctx.liveAnalysis.drop(this.dumpId);
      settleEnd(false);
      return;
    }
    // Every frame is on disk: the session has ended, whatever storing its dump takes. Its connectionDestroyed
    // waits for the final analysis's last stream and issue changes, which come before it. The final analysis is
    // stored as soon as the row has ended: it needs no dump, so it does not wait for the dump's compression (the
    // dumps of thousands of sessions ending together are compressed a few at a time). When it stores nothing
    // (detached), a job reads the dump, once the row says where it is.
    const last = final.catch(() => false);
    let finalStored: (stored: boolean) => void = () => {};
    const stored = new Promise<boolean>((resolve) => {
      finalStored = resolve;
    });
    const ended = writeEnd(end, () => {
      void last.then(closed);
      this.ctx.scheduleProcessing(this.id, 'ended', () =>
        this.ctx.liveAnalysis.storeFinal(this.id, this.dumpId, final, endTime).then(finalStored, (err) => {
          finalStored(false);
          throw err;
        }),
      );
    });
    let blobUrl: string;
    try {
      blobUrl = await this.ctx.store.finalize(this.dumpId);
    } catch (err) {
      // The dump stays in the work directory; the row says storing it failed.
      logger().error({ err, dumpId: this.dumpId }, 'storing the dump failed');
      this.ctx.liveAnalysis.drop(this.dumpId);
      await ended;
      await writeEnd({ ...end, status: 'failed' });
      return;
    }
    await ended;
    // The end again, with the dump: a job that reads it is queued once the row says where it is.
    await writeEnd({ ...end, blobUrl }, () => {
      logger().info({ dumpId: this.dumpId, sessionId: String(this.id), code }, 'Processed data from connection');
      void stored.then((ok) => {
        if (!ok) this.ctx.scheduleProcessing(this.id, 'ended');
      });
    });
  }
}

/** Open sessions of this process, by dump id, row id and the token's session id (server UAs attach by the latter). */
export class LiveSessionRegistry {
  private byDump = new Map<string, LiveSession>();
  private bySession = new Map<string, LiveSession>();
  private byRow = new Map<bigint, LiveSession>();
  /** Ends in progress: a session leaves the maps when its end starts, but the drain must wait for its dump. */
  private readonly ending = new Set<Promise<void>>();

  /** Per conference, the connection ends being reported (afterEarlierEnds). */
  private readonly endsByConference = new Map<string, Promise<void>>();

  /**
   * Runs `report` after the reports of the conference's earlier ends (in the order this is called: the order the
   * connections closed). A failure is the report's own; the next runs anyway.
   */
  afterEarlierEnds(conference: string | undefined, report: () => Promise<void>): void {
    if (!conference) {
      void report().catch(() => {});
      return;
    }
    const next = (this.endsByConference.get(conference) ?? Promise.resolve()).then(report).catch(() => {});
    this.endsByConference.set(conference, next);
    void next.then(() => {
      if (this.endsByConference.get(conference) === next) this.endsByConference.delete(conference);
    });
  }

  trackEnd(done: Promise<void>): void {
    this.ending.add(done);
    void done.finally(() => this.ending.delete(done));
  }

  /** Resolves when every end begun so far has finished (its dump stored, its row written or kept for retry). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.ending]);
  }

  add(s: LiveSession): void {
    this.byDump.set(s.dumpId, s);
    this.byRow.set(s.id, s);
    if (s.rtcstatsSession) this.bySession.set(s.rtcstatsSession, s);
  }

  remove(s: LiveSession): void {
    this.byDump.delete(s.dumpId);
    this.byRow.delete(s.id);
    if (s.rtcstatsSession && this.bySession.get(s.rtcstatsSession) === s) this.bySession.delete(s.rtcstatsSession);
  }

  bySessionId(session: string): LiveSession | undefined {
    return this.bySession.get(session);
  }

  /** By its row id (metrics: is the session a processing run analysed still live). */
  byId(id: bigint): LiveSession | undefined {
    return this.byRow.get(id);
  }

  all(): LiveSession[] {
    return [...this.byDump.values()];
  }

  get size(): number {
    return this.byDump.size;
  }
}
