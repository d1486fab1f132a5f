import { type ConnectionAttemptInput, insertConnectionAttempts } from '@/lib/server/data/connection-attempts';
import { TokenBucket } from '@/lib/server/ingest/ingest-limits';
import { logger } from '@/lib/server/logger';
import { obfuscateIp } from '@/lib/stats/decode/address-obfuscation';

/**
 * The one place an ingest refusal is recorded for the "Connect your app" page (`connection_attempt`): every
 * WebSocket refusal (IngestConnection.refuse: bad tokens, limits, server User-Agents, Jitsi reconnects, a session
 * that could not be stored) and the HTTP ingest's (bad tokens, server User-Agents). Recording must never slow down
 * or break ingest, so `record` is synchronous and cannot throw: rows are batched and written in the background
 * (a failed write is logged and dropped), and at most `perSecond` a second are kept (a token bucket of one
 * second's worth), the rest only counted — a flood of bad clients costs a counter, not database writes.
 */

export interface RejectedAttempt {
  transport: 'websocket' | 'frames' | 'upload';
  protocol?: string | null;
  /** WebSocket close code, or HTTP status. */
  code: number;
  /** The close reason / error message, exactly as the client got it. */
  reason: string;
  logLine?: string;
  origin?: string | null;
  userAgent?: string | null;
  /** The client's address, raw: obfuscated here, before anything is kept. */
  address?: string;
}

const FLUSH_MS = 250;
/** More than the table keeps is never worth holding in memory. */
const MAX_PENDING = 200;
const LOG_EVERY_MS = 10_000;

function clip(value: string | null | undefined, max: number): string | null {
  if (value === undefined || value === null || value === '') return null;
  return value.length > max ? value.slice(0, max) : value;
}

export class RejectedAttempts {
  /** Refused attempts not recorded (over the bound, or their write failed) since this node started. */
  notRecorded = 0;
  /** One second's worth of attempts, refilled at `perSecond` (ingest-limits.ts's bucket). */
  private readonly bucket: TokenBucket;
  private pending: ConnectionAttemptInput[] = [];
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private lastFailureLog = 0;

  constructor(
    readonly perSecond: number,
    private readonly write: (rows: ConnectionAttemptInput[]) => Promise<void> = insertConnectionAttempts,
  ) {
    this.bucket = new TokenBucket(perSecond, Math.max(1, perSecond));
  }

  /** Keeps the attempt for the next batch, or counts it when over the bound. Never throws, never waits. */
  record(attempt: RejectedAttempt): void {
    try {
      if (!this.take()) {
        this.notRecorded++;
        return;
      }
      if (this.pending.length >= MAX_PENDING) this.pending.shift();
      this.pending.push({
        at: new Date(),
        transport: attempt.transport,
        protocol: clip(attempt.protocol, 128),
        code: attempt.code,
        reason: clip(attempt.reason, 256) ?? 'refused',
        logLine: attempt.logLine && attempt.logLine !== attempt.reason ? clip(attempt.logLine, 256) : null,
        origin: clip(attempt.origin, 512),
        userAgent: clip(attempt.userAgent, 512),
        remoteAddress: attempt.address ? obfuscateIp(attempt.address) : null,
      });
      this.schedule();
    } catch (err) {
      this.notRecorded++;
      logger().warn({ err }, 'recording a rejected ingest attempt failed');
    }
  }

  /** Writes what is pending now (shutdown); resolves when written or dropped. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.flush();
  }

  /** 0 records nothing (the bucket's own 0 would mean unlimited). */
  private take(): boolean {
    return this.perSecond > 0 && this.bucket.take(1, Date.now());
  }

  private schedule(): void {
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS);
    this.timer.unref();
  }

  /** One batch at a time; what arrives meanwhile goes in the next. */
  private flush(): Promise<void> {
    if (this.pending.length === 0 || this.writing) return this.writing ?? Promise.resolve();
    const rows = this.pending;
    this.pending = [];
    this.writing = this.write(rows)
      .catch((err) => {
        this.notRecorded += rows.length;
        const now = Date.now();
        if (now - this.lastFailureLog >= LOG_EVERY_MS) {
          this.lastFailureLog = now;
          logger().warn({ err, dropped: rows.length }, 'rejected ingest attempts could not be recorded');
        }
      })
      .finally(() => {
        this.writing = undefined;
        if (this.pending.length > 0) this.schedule();
      });
    return this.writing;
  }
}
