import type { KeyRing, VerificationKey } from '@/lib/server/auth/ingest-token';
import {
  type EnvKeyView,
  expireGracePeriods,
  type KeyRingRow,
  loadKeyRingRows,
  noteTokenLifetime,
  recordSigningKeyUsage,
  registerKeyRing,
  type UsageBatchEntry,
} from '@/lib/server/data/signing-keys';
import { logger } from '@/lib/server/logger';

/**
 * The key ring ingest verifies with: CALLSCOPE_JWT_SECRET entries (read-only, kid `env-N`) plus the database keys
 * that verify (`active`, and `verifying` until their grace period ends).
 *
 * - A token with a `kid` verifies against that key only; a revoked (or past-grace) kid answers `revoked: true`, so
 *   the refusal says 'key revoked'. A token without `kid` (as rtcstats backends mint them) is tried against every
 *   key that verifies.
 * - Database keys are cached in memory for `cacheTtlMs`; `invalidate()` (called through the change hooks by every
 *   create/rotate/revoke in this process) makes the next verification reload, so a change takes effect at once
 *   here and within the TTL in other processes.
 * - Usage (last used, tokens verified per hour) is counted in memory and written in batches by `flushUsage()`
 *   (periodic timer, listing keys, close): nothing is written to the database on the verification path.
 * - The grace period is checked against `verifyingUntil` on every verification, so a key stops verifying exactly
 *   when its grace ends even before `expireGracePeriods()` marks it revoked; seeing such a key triggers that call.
 */

export interface SigningSecret {
  /** `undefined` for an env secret (tokens without kid, as before keys were managed in settings). */
  kid: string | undefined;
  secret: Uint8Array;
  source: 'db' | 'env';
  /** Database id of the key. */
  id?: string;
}

export interface DatabaseKeyRing extends KeyRing {
  /** Drops the cached database keys: the next call reloads them. */
  invalidate(): void;
  /** The key tokens minted by Callscope are signed with: the active database key, else the first env secret. */
  signingSecret(): Promise<SigningSecret | null>;
  /** Writes batched usage counters and the longest token lifetime seen. */
  flushUsage(): Promise<void>;
  /** Longest `exp - iat` (seconds) seen by this process, if any. */
  maxTokenLifetimeSeen(): number | undefined;
  /** Records the lifetime of a token minted here (the grace default follows it). */
  noteLifetime(seconds: number): void;
  envKeys(): EnvKeyView[];
  /** Flushes and unregisters from the change hooks. */
  close(): Promise<void>;
}

interface Snapshot {
  generation: number;
  loadedAt: number;
  byKid: Map<string, KeyRingRow>;
  /** Keys in verification order: active first, then verifying (newest first). */
  rows: KeyRingRow[];
  anyNonRevoked: boolean;
}

const HOUR = 3600_000;
const ringKey = Symbol.for('callscope.keyRing');
type Holder = { [ringKey]?: DatabaseKeyRing };

/** The ring server.ts created for this process (used by `mintToken` and the settings pages). */
export function processKeyRing(): DatabaseKeyRing | undefined {
  return (globalThis as Holder)[ringKey];
}

function verifies(row: KeyRingRow, now: number): boolean {
  if (!row.secret) return false;
  if (row.state === 'active') return true;
  return row.state === 'verifying' && (!row.verifyingUntil || row.verifyingUntil.getTime() > now);
}

function pastGrace(row: KeyRingRow, now: number): boolean {
  return row.state === 'verifying' && !!row.verifyingUntil && row.verifyingUntil.getTime() <= now;
}

export function createDatabaseKeyRing(
  envSecrets: string[],
  opts: { cacheTtlMs?: number; register?: boolean } = {},
): DatabaseKeyRing {
  const ttl = opts.cacheTtlMs ?? 5_000;
  const log = logger();
  const envKeys: VerificationKey[] = envSecrets.map((s, i) => ({
    kid: `env-${i}`,
    secret: new TextEncoder().encode(s),
    source: 'env',
  }));
  const envStats = new Map<string, { lastUsedAt: Date | null; hours: Map<number, number> }>(
    envKeys.map((k) => [k.kid, { lastUsedAt: null, hours: new Map() }]),
  );

  let generation = 0;
  let snapshot: Snapshot | undefined;
  let loading: { generation: number; promise: Promise<Snapshot> } | undefined;
  let lastUnknownKidReload = 0;
  let expiring: Promise<unknown> | undefined;
  const warnedDecrypt = new Set<string>();

  const pending = new Map<string, UsageBatchEntry>();
  let maxLifetime: number | undefined;
  let flushedLifetime = 0;
  let flushing: Promise<void> | undefined;

  function load(): Promise<Snapshot> {
    const gen = generation;
    if (loading && loading.generation === gen) return loading.promise;
    const promise = loadKeyRingRows().then((rows) => {
      const now = Date.now();
      for (const r of rows) {
        if (r.decryptFailed && !warnedDecrypt.has(r.kid)) {
          warnedDecrypt.add(r.kid);
          log.warn({ kid: r.kid }, 'signing key does not decrypt with this master key: it cannot verify tokens');
        }
      }
      if (rows.some((r) => pastGrace(r, now))) expireSoon();
      const order = (r: KeyRingRow) => (r.state === 'active' ? 0 : 1);
      const ordered = [...rows].sort((a, b) => order(a) - order(b)); // stable: newest first within a state
      const snap: Snapshot = {
        generation: gen,
        loadedAt: now,
        byKid: new Map(rows.map((r) => [r.kid, r])),
        rows: ordered,
        anyNonRevoked: rows.some((r) => r.state !== 'revoked'),
      };
      if (gen === generation) snapshot = snap;
      return snap;
    });
    loading = { generation: gen, promise };
    promise.then(
      () => {
        if (loading?.promise === promise) loading = undefined;
      },
      () => {
        if (loading?.promise === promise) loading = undefined;
      },
    );
    return promise;
  }

  async function current(): Promise<Snapshot> {
    if (snapshot && snapshot.generation === generation && Date.now() - snapshot.loadedAt < ttl) return snapshot;
    try {
      return await load();
    } catch (err) {
      // Database briefly unreachable: keep verifying with what we had rather than refusing everyone. With nothing
      // cached the error propagates (fail closed).
      if (snapshot) {
        log.error({ err }, 'signing keys could not be reloaded; using the cached set');
        return snapshot;
      }
      throw err;
    }
  }

  /** Marks keys whose grace period ended as revoked in the database (in the background, one run at a time). */
  function expireSoon() {
    if (expiring) return;
    expiring = expireGracePeriods()
      .catch((err) => log.error({ err }, 'grace period expiry failed'))
      .finally(() => {
        expiring = undefined;
        generation++; // reload: the snapshot still shows those keys as verifying
      });
  }

  function asVerificationKey(row: KeyRingRow): VerificationKey {
    return { kid: row.kid, secret: row.secret as Uint8Array, source: 'db', id: row.id };
  }

  const ring: DatabaseKeyRing = {
    async authRequired() {
      if (envKeys.length > 0) return true;
      return (await current()).anyNonRevoked;
    },

    async candidates(kid) {
      if (kid !== undefined && /^env-\d+$/.test(kid)) {
        return { keys: envKeys.filter((k) => k.kid === kid), revoked: false };
      }
      let snap = await current();
      const now = Date.now();
      if (kid !== undefined) {
        let row = snap.byKid.get(kid);
        // A key created a moment ago in another process: reload, at most once a second.
        if (!row && now - snap.loadedAt > 1000 && now - lastUnknownKidReload > 1000) {
          lastUnknownKidReload = now;
          generation++;
          snap = await current();
          row = snap.byKid.get(kid);
        }
        if (!row) return { keys: [], revoked: false };
        if (verifies(row, now)) return { keys: [asVerificationKey(row)], revoked: false };
        if (pastGrace(row, now)) expireSoon();
        return { keys: [], revoked: row.state === 'revoked' || pastGrace(row, now) };
      }
      if (snap.rows.some((r) => pastGrace(r, now))) expireSoon();
      const dbKeys = snap.rows.filter((r) => verifies(r, now)).map(asVerificationKey);
      return { keys: [...dbKeys, ...envKeys], revoked: false };
    },

    recordUse(key, claims) {
      const now = Date.now();
      const hour = Math.floor(now / HOUR) * HOUR;
      if (claims?.exp !== undefined && claims.iat !== undefined && claims.exp > claims.iat) {
        ring.noteLifetime(claims.exp - claims.iat);
      }
      if (key.source === 'env') {
        const stats = envStats.get(key.kid);
        if (!stats) return;
        stats.lastUsedAt = new Date(now);
        stats.hours.set(hour, (stats.hours.get(hour) ?? 0) + 1);
        for (const h of stats.hours.keys()) if (h < hour - 24 * HOUR) stats.hours.delete(h);
        return;
      }
      if (!key.id) return;
      const id = `${key.id}|${hour}`;
      const entry = pending.get(id);
      if (entry) {
        entry.count++;
        entry.lastUsedAt = new Date(now);
      } else {
        pending.set(id, { keyId: key.id, hour: new Date(hour), count: 1, lastUsedAt: new Date(now) });
      }
    },

    invalidate() {
      generation++;
    },

    async signingSecret() {
      const snap = await current();
      const active = snap.rows.find((r) => r.state === 'active');
      if (active?.secret) return { kid: active.kid, secret: active.secret, source: 'db', id: active.id };
      if (active?.decryptFailed)
        throw new Error(`the active signing key ${active.kid} does not decrypt with this master key`);
      if (envKeys.length > 0) return { kid: undefined, secret: envKeys[0].secret, source: 'env' };
      return null;
    },

    async flushUsage() {
      // One flush at a time; a flush requested during another waits for it and then writes what came since.
      while (flushing) await flushing.catch(() => {});
      const batch = [...pending.values()];
      pending.clear();
      const lifetime = maxLifetime !== undefined && maxLifetime > flushedLifetime ? maxLifetime : undefined;
      if (batch.length === 0 && lifetime === undefined) return;
      flushing = (async () => {
        try {
          await recordSigningKeyUsage(batch);
          if (lifetime !== undefined) {
            await noteTokenLifetime(lifetime);
            flushedLifetime = lifetime;
          }
        } catch (err) {
          // Put the counts back so the next flush retries them.
          for (const e of batch) {
            const id = `${e.keyId}|${e.hour.getTime()}`;
            const cur = pending.get(id);
            if (cur) cur.count += e.count;
            else pending.set(id, e);
          }
          throw err;
        } finally {
          flushing = undefined;
        }
      })();
      await flushing;
    },

    maxTokenLifetimeSeen: () => maxLifetime,

    noteLifetime(seconds) {
      if (Number.isFinite(seconds) && seconds > 0 && (maxLifetime === undefined || seconds > maxLifetime))
        maxLifetime = seconds;
    },

    envKeys() {
      const since = Date.now() - 24 * HOUR;
      return envKeys.map((k) => {
        const stats = envStats.get(k.kid);
        let count = 0;
        for (const [h, n] of stats?.hours ?? []) if (h + HOUR > since) count += n;
        return { kid: k.kid, lastUsedAt: stats?.lastUsedAt ?? null, verifiedLast24h: count };
      });
    },

    async close() {
      unregister();
      if ((globalThis as Holder)[ringKey] === ring) delete (globalThis as Holder)[ringKey];
      await ring.flushUsage().catch((err) => log.error({ err }, 'signing key usage flush failed'));
    },
  };

  const unregister =
    opts.register === false
      ? () => {}
      : registerKeyRing({ invalidate: ring.invalidate, flushUsage: ring.flushUsage, envKeys: ring.envKeys });
  if (opts.register !== false) (globalThis as Holder)[ringKey] = ring;
  return ring;
}

/**
 * The periodic job server.ts runs: flush usage counters and end grace periods. The timer is unref'd (it never
 * keeps the process alive). `stop()` clears it and flushes once more.
 */
export function startKeyRingMaintenance(
  ring: DatabaseKeyRing,
  opts: { intervalMs?: number } = {},
): { stop(): Promise<void> } {
  const log = logger();
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= (async () => {
      try {
        await ring.flushUsage();
        const revoked = await expireGracePeriods();
        if (revoked.length) ring.invalidate();
      } catch (err) {
        log.error({ err }, 'signing key maintenance failed');
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(tick, opts.intervalMs ?? 30_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await ring.flushUsage().catch((err) => log.error({ err }, 'signing key usage flush failed'));
    },
  };
}
