import type { VerificationKey } from '@/lib/server/auth/ingest-token';
import { recordSigningKeyUsage, type UsageBatchEntry } from '@/lib/server/data/signing-keys';
import { noteTokenLifetime } from '@/lib/server/signing-keys/grace';
import type { EnvKeyView } from '@/lib/server/signing-keys/types';

/**
 * The key ring's usage counters, kept in memory so nothing is written on the verification path: per database key
 * and hour (written in batches by `flush()`), per env key (memory only, last 24 h), and the longest token
 * lifetime seen (the automatic grace period follows it).
 */

const HOUR = 3600_000;

interface EnvStats {
  lastUsedAt: Date | null;
  /** Start of hour (ms) → tokens verified. */
  hours: Map<number, number>;
}

const batchId = (keyId: string, hour: number) => `${keyId}|${hour}`;

export class UsageCounters {
  private readonly env: Map<string, EnvStats>;
  private readonly pending = new Map<string, UsageBatchEntry>();
  private maxLifetime: number | undefined;
  private flushedLifetime = 0;
  private flushing: Promise<void> | undefined;

  constructor(envKids: string[]) {
    this.env = new Map(envKids.map((kid) => [kid, { lastUsedAt: null, hours: new Map() }]));
  }

  /** One verification with `key`; `claims` give the token's lifetime. */
  record(key: VerificationKey, claims?: { iat?: number; exp?: number }): void {
    const now = Date.now();
    const hour = Math.floor(now / HOUR) * HOUR;
    if (claims?.exp !== undefined && claims.iat !== undefined && claims.exp > claims.iat) {
      this.noteLifetime(claims.exp - claims.iat);
    }
    if (key.source === 'env') this.recordEnv(key.kid, now, hour);
    else if (key.id) this.recordDb(key.id, now, hour);
  }

  noteLifetime(seconds: number): void {
    if (Number.isFinite(seconds) && seconds > 0 && (this.maxLifetime === undefined || seconds > this.maxLifetime))
      this.maxLifetime = seconds;
  }

  /** The env keys with their use in the last 24 hours. */
  envViews(): EnvKeyView[] {
    const since = Date.now() - 24 * HOUR;
    return [...this.env].map(([kid, stats]) => {
      let count = 0;
      for (const [h, n] of stats.hours) if (h + HOUR > since) count += n;
      return { kid, lastUsedAt: stats.lastUsedAt, verifiedLast24h: count };
    });
  }

  /** Writes the batched counters and the longest lifetime; on failure they stay for the next flush. */
  async flush(): Promise<void> {
    // One flush at a time; a flush requested during another waits for it and then writes what came since.
    while (this.flushing) await this.flushing.catch(() => {});
    const batch = [...this.pending.values()];
    this.pending.clear();
    const lifetime =
      this.maxLifetime !== undefined && this.maxLifetime > this.flushedLifetime ? this.maxLifetime : undefined;
    if (batch.length === 0 && lifetime === undefined) return;
    this.flushing = this.write(batch, lifetime);
    await this.flushing;
  }

  private async write(batch: UsageBatchEntry[], lifetime: number | undefined): Promise<void> {
    try {
      await recordSigningKeyUsage(batch);
      if (lifetime !== undefined) {
        await noteTokenLifetime(lifetime);
        this.flushedLifetime = lifetime;
      }
    } catch (err) {
      this.putBack(batch);
      throw err;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Returns a batch that failed to write to the pending counts, so the next flush retries it. */
  private putBack(batch: UsageBatchEntry[]): void {
    for (const e of batch) {
      const id = batchId(e.keyId, e.hour.getTime());
      const cur = this.pending.get(id);
      if (cur) cur.count += e.count;
      else this.pending.set(id, e);
    }
  }

  private recordEnv(kid: string, now: number, hour: number): void {
    const stats = this.env.get(kid);
    if (!stats) return;
    stats.lastUsedAt = new Date(now);
    stats.hours.set(hour, (stats.hours.get(hour) ?? 0) + 1);
    for (const h of stats.hours.keys()) if (h < hour - 24 * HOUR) stats.hours.delete(h);
  }

  private recordDb(keyId: string, now: number, hour: number): void {
    const id = batchId(keyId, hour);
    const entry = this.pending.get(id);
    if (entry) {
      entry.count++;
      entry.lastUsedAt = new Date(now);
    } else {
      this.pending.set(id, { keyId, hour: new Date(hour), count: 1, lastUsedAt: new Date(now) });
    }
  }
}
