/**
 * Session-row writes that failed because PostgreSQL did not answer (an outage while clients stream): kept in
 * memory and retried with backoff until the database answers again. At most one record per session: the latest
 * progress, or the end, which replaces any progress (an end writes the final counters anyway). The dumps
 * themselves never wait for the database: frames keep going to disk meanwhile.
 *
 * Live progress is batched: the latest of each session, all written in one statement every PROGRESS_BATCH_MS. A
 * batch that fails because the database is down leaves each of its sessions a pending record like any other.
 *
 * A write that fails while the database does answer (a real error, not an outage) is retried a few times, then
 * logged and dropped, as before this existed.
 */

import { databaseHealth } from '@/lib/server/data/database-health';
import { type LiveProgress, updateLiveProgressBatch } from '@/lib/server/data/sessions';
import { logger } from '@/lib/server/logger';

export type PendingKind = 'progress' | 'end';

interface PendingRecord {
  kind: PendingKind;
  run: () => Promise<void>;
  /** Failures while the database answered. */
  failures: number;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 10_000;
/** Failures while the database answers before a write is given up. */
const MAX_ANSWERED_FAILURES = 3;
/** How often the live progress of every session is written, in one statement. */
const PROGRESS_BATCH_MS = 1_000;

export class PendingWrites {
  private readonly records = new Map<string, PendingRecord>();
  private timer?: NodeJS.Timeout;
  private delayMs = FIRST_RETRY_MS;
  private flushing?: Promise<void>;
  private stopped = false;
  /** Progress waiting for the next batch, the latest per session. */
  private readonly progressBatch = new Map<string, LiveProgress>();
  private progressTimer?: NodeJS.Timeout;

  constructor(
    private readonly probe: () => Promise<boolean> = async () => (await databaseHealth()).ok,
    private readonly retry = { firstMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS },
    private readonly writeProgress: (batch: LiveProgress[]) => Promise<void> = updateLiveProgressBatch,
  ) {
    this.delayMs = retry.firstMs;
  }

  /** A session's live counters, written with the others' in the next batch (or kept, while a write of it waits). */
  progress(p: LiveProgress): void {
    const key = String(p.id);
    if (this.records.has(key)) {
      this.keep(key, 'progress', () => this.writeProgress([p]));
      return;
    }
    this.progressBatch.set(key, p);
    if (this.progressTimer || this.stopped) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      void this.writeProgressBatch();
    }, PROGRESS_BATCH_MS);
    this.progressTimer.unref();
  }

  private async writeProgressBatch(): Promise<void> {
    const batch = [...this.progressBatch.values()];
    this.progressBatch.clear();
    if (batch.length === 0) return;
    try {
      await this.writeProgress(batch);
    } catch (err) {
      if (await this.reachable()) {
        logger().error({ err, sessions: batch.length }, 'live progress write failed');
        return;
      }
      logger().warn({ err: errorMessage(err), sessions: batch.length }, 'database unreachable: live progress kept');
      for (const p of batch) this.keep(String(p.id), 'progress', () => this.writeProgress([p]));
    }
  }

  /** Writes waiting for the database. */
  get size(): number {
    return this.records.size;
  }

  /**
   * Runs `run` now, or, when a write of this session is already waiting (the database is down), keeps it in that
   * one's place. A failure while the database does not answer keeps it for the retries. Resolves once the write
   * has been done or kept; never rejects.
   */
  async submit(sessionId: bigint, kind: PendingKind, run: () => Promise<void>): Promise<void> {
    const key = String(sessionId);
    // An end carries the final counters: the session's batched progress is not needed any more.
    if (kind === 'end') this.progressBatch.delete(key);
    if (this.records.has(key)) {
      this.keep(key, kind, run);
      return;
    }
    try {
      await run();
    } catch (err) {
      if (await this.reachable()) {
        logger().error({ err, sessionId: key, kind }, 'session write failed');
        return;
      }
      logger().warn({ err: errorMessage(err), sessionId: key, kind }, 'database unreachable: session write kept');
      this.keep(key, kind, run);
    }
  }

  /** Tries every pending write now (the retry timer's work; tests). */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the retries (shutdown). Pending writes stay for the next start's recovery of rows left live. */
  stop(): void {
    this.stopped = true;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.progressBatch.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.records.size) logger().warn({ pending: this.records.size }, 'session writes still pending at stop');
  }

  private keep(key: string, kind: PendingKind, run: () => Promise<void>): void {
    const existing = this.records.get(key);
    // An end is final: a later progress of the same session (there should be none) does not replace it.
    if (existing?.kind === 'end' && kind === 'progress') return;
    this.records.set(key, { kind, run, failures: 0 });
    this.arm();
  }

  private arm(): void {
    if (this.stopped || this.timer || this.records.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().finally(() => this.arm());
    }, this.delayMs);
    this.timer.unref();
  }

  private async flushOnce(): Promise<void> {
    if (this.records.size === 0) return;
    if (!(await this.reachable())) {
      this.delayMs = Math.min(this.delayMs * 2, this.retry.maxMs);
      return;
    }
    let written = 0;
    for (const [key, record] of [...this.records]) {
      try {
        await record.run();
        written++;
        if (this.records.get(key) === record) this.records.delete(key);
      } catch (err) {
        if (!(await this.reachable())) {
          // Down again: keep everything, back off.
          this.delayMs = Math.min(this.delayMs * 2, this.retry.maxMs);
          return;
        }
        record.failures++;
        if (record.failures >= MAX_ANSWERED_FAILURES && this.records.get(key) === record) {
          this.records.delete(key);
          logger().error({ err, sessionId: key, kind: record.kind }, 'session write failed: given up');
        }
      }
    }
    this.delayMs = this.retry.firstMs;
    if (written) logger().info({ written, pending: this.records.size }, 'database back: pending session writes done');
  }

  private reachable(): Promise<boolean> {
    return this.probe().catch(() => false);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
