import { randomUUID } from 'node:crypto';
import Bowser from 'bowser';
import type { VerifiedIngest } from '@/lib/server/auth/ingest-token';
import type { ServerContext } from '@/lib/server/context';
import {
  endSession,
  insertSession,
  markHistorical,
  type SessionEnd,
  updateLiveProgress,
} from '@/lib/server/data/sessions';
import { deviceIdAt } from '@/lib/server/ingest/device-id';
import { DumpWriter } from '@/lib/server/ingest/dump-writer';
import { clampClientTime, isHistoricalTime, trailingNumber } from '@/lib/server/ingest/session-rules';
import { logger } from '@/lib/server/logger';
import type { PackedAnalysis } from '@/lib/server/processing/live-states';
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
  /** Closes the transport (WebSocket) when the server ends the session itself (idle rule, shutdown). */
  closeTransport?: (code: number, reason: string) => void;

  private constructor(
    private readonly ctx: ServerContext,
    readonly id: bigint,
    readonly dumpId: string,
    readonly rtcstatsSession: string | undefined,
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
    ctx.liveAnalysis.open(dumpId);
    const writer = await DumpWriter.create(ctx.store.workPath(dumpId), p.header(metadata), (chunk) =>
      ctx.liveAnalysis.feed(dumpId, chunk),
    );
    let id: bigint;
    try {
      id = await insertSession({
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
    const session = new LiveSession(ctx, id, dumpId, identity.session, writer, p.timing, startTime);
    ctx.live.add(session);
    logger().info({ dumpId, sessionId: String(id), source: p.source }, 'Accepted new connection');
    return session;
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
    const progress = {
      messageCount: this.messageCount,
      byteCount: this.byteCount,
      lastMessageAt: new Date(this.lastMessageAt),
      firstEventAt: this.firstEventAt !== undefined ? new Date(this.firstEventAt) : undefined,
      lastEventAt: this.lastEventAt !== undefined ? new Date(this.lastEventAt) : undefined,
    };
    const historical = this.historical;
    // While PostgreSQL is down the latest progress is kept (one per session) and written when it answers.
    void this.ctx.pendingWrites.submit(this.id, 'progress', async () => {
      await updateLiveProgress(this.id, progress);
      if (historical) await markHistorical(this.id);
    });
    const now = Date.now();
    // The live analysis so far, stored: the session page's series and issues while it streams.
    if (now - this.lastSnapshotAt >= this.ctx.liveAnalysis.snapshotIntervalMs(now - this.startedAt)) {
      this.lastSnapshotAt = now;
      this.ctx.scheduleProcessing(this.id, 'live', () => this.ctx.liveAnalysis.storeSnapshot(this.id, this.dumpId));
    }
  }

  /**
   * Ends the session once: final `["close", null, code, ms since last message]` line, sync, row update,
   * storage, processing. With zero messages the file is removed and the row keeps no end (rtcstats-server).
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
    let end: SessionEnd;
    let stored: boolean;
    let final: Promise<PackedAnalysis | null> = Promise.resolve(null);
    try {
      if (this.messageCount === 0) {
        await this.writer.close();
        this.ctx.liveAnalysis.drop(this.dumpId);
        await this.ctx.store.remove(this.dumpId);
        stored = false;
        end = {
          sessionEnd: new Date(endTime),
          blobUrl: null,
          closeCode: code,
          closeReason: reason,
          messageCount: 0,
          byteCount: 0,
          status: 'ended',
        };
      } else {
        await this.writer.close(closeLine);
        // Every byte of the dump is fed now: the final analysis is made while the dump is stored.
        final = this.ctx.liveAnalysis.finish(this.dumpId);
        const blobUrl = await this.ctx.store.finalize(this.dumpId);
        stored = true;
        end = {
          sessionEnd: new Date(endTime),
          blobUrl,
          closeCode: code,
          closeReason: reason,
          messageCount: this.messageCount,
          byteCount: this.byteCount,
          firstEventAt: this.firstEventAt !== undefined ? new Date(this.firstEventAt) : undefined,
          lastEventAt: this.lastEventAt !== undefined ? new Date(this.lastEventAt) : undefined,
          historical: this.historical,
        };
      }
    } catch (err) {
      logger().error({ err, dumpId: this.dumpId }, 'ending session failed');
      this.ctx.liveAnalysis.drop(this.dumpId);
      return;
    }
    // The dump is on disk and stored; the row's end waits for PostgreSQL if it is down (pending-writes.ts), and
    // the processing is scheduled once the row says ended, exactly as without an outage.
    await this.ctx.pendingWrites.submit(this.id, 'end', async () => {
      await endSession(this.id, end);
      if (!stored) return;
      logger().info({ dumpId: this.dumpId, sessionId: String(this.id), code }, 'Processed data from connection');
      // The live state's final analysis, stored here; when there is none (detached), a job reads the dump.
      this.ctx.scheduleProcessing(this.id, 'ended', () => this.ctx.liveAnalysis.storeFinal(this.id, final, endTime));
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
