import type { SigningKeyState } from '@/lib/schemas/settings';
import type { KeyRing, VerificationKey } from '@/lib/server/auth/ingest-token';
import { selectKeysForRing } from '@/lib/server/data/signing-keys';
import { logger } from '@/lib/server/logger';
import { expireGracePeriods } from '@/lib/server/signing-keys/grace';
import { decryptSecret } from '@/lib/server/signing-keys/master-key';
import type { SigningKeyRing } from '@/lib/server/signing-keys/types';
import { UsageCounters } from '@/lib/server/signing-keys/usage';

/**
 * The key ring ingest verifies with: CALLSCOPE_JWT_SECRET entries (read-only, kid `env-N`) plus the database keys
 * that verify (`active`, and `verifying` until their grace period ends).
 *
 * - A token with a `kid` verifies against that key only; a revoked (or past-grace) kid answers `revoked: true`, so
 *   the refusal says 'key revoked'. A token without `kid` (as rtcstats backends mint them) is tried against every
 *   key that verifies.
 * - Database keys are cached in memory for `cacheTtlMs`; `invalidate()` (called by every create/rotate/revoke in
 *   this process, through the server context) makes the next verification reload, so a change takes effect at
 *   once here and within the TTL in other processes.
 * - Usage (last used, tokens verified per hour) is counted in memory (`usage.ts`) and written in batches by
 *   `flushUsage()` (periodic timer, listing keys, close): nothing is written to the database on the verification
 *   path.
 * - The grace period is checked against `verifyingUntil` on every verification, so a key stops verifying exactly
 *   when its grace ends even before `expireGracePeriods()` marks it revoked; seeing such a key triggers that call.
 */

interface Snapshot {
  generation: number;
  loadedAt: number;
  byKid: Map<string, KeyRingRow>;
  /** Keys in verification order: active first, then verifying (newest first). */
  rows: KeyRingRow[];
  anyNonRevoked: boolean;
}

type Candidates = Awaited<ReturnType<KeyRing['candidates']>>;

const ENV_KID = /^env-\d+$/;

interface KeyRingRow {
  id: string;
  kid: string;
  state: SigningKeyState;
  verifyingUntil: Date | null;
  /** Decrypted secret for keys that may verify; absent for revoked keys or when decryption failed. */
  secret?: Uint8Array;
  decryptFailed?: boolean;
}

/** Every key with the secrets of those that may verify, decrypted (for the in-memory cache). */
async function loadKeyRingRows(now: Date = new Date()): Promise<KeyRingRow[]> {
  const rows = await selectKeysForRing();
  return rows.map((r) => {
    const state = r.state as SigningKeyState;
    const base: KeyRingRow = { id: r.id, kid: r.kid, state, verifyingUntil: r.verifyingUntil };
    const verifies = state === 'active' || (state === 'verifying' && (!r.verifyingUntil || r.verifyingUntil > now));
    if (!verifies) return base;
    try {
      return { ...base, secret: new TextEncoder().encode(decryptSecret(r.secretEncrypted, r.kid)) };
    } catch {
      return { ...base, decryptFailed: true };
    }
  });
}

function verifies(row: KeyRingRow, now: number): boolean {
  if (!row.secret) return false;
  if (row.state === 'active') return true;
  return row.state === 'verifying' && (!row.verifyingUntil || row.verifyingUntil.getTime() > now);
}

function pastGrace(row: KeyRingRow, now: number): boolean {
  return row.state === 'verifying' && !!row.verifyingUntil && row.verifyingUntil.getTime() <= now;
}

function asVerificationKey(row: KeyRingRow): VerificationKey {
  return { kid: row.kid, secret: row.secret as Uint8Array, source: 'db', id: row.id };
}

function buildSnapshot(rows: KeyRingRow[], generation: number, now: number): Snapshot {
  const order = (r: KeyRingRow) => (r.state === 'active' ? 0 : 1);
  return {
    generation,
    loadedAt: now,
    byKid: new Map(rows.map((r) => [r.kid, r])),
    rows: [...rows].sort((a, b) => order(a) - order(b)), // stable: newest first within a state
    anyNonRevoked: rows.some((r) => r.state !== 'revoked'),
  };
}

/** The database keys, cached for `ttl` ms; `invalidate()` makes the next `current()` reload. */
class KeyCache {
  private generation = 0;
  private snapshot: Snapshot | undefined;
  private loading: { generation: number; promise: Promise<Snapshot> } | undefined;
  private lastUnknownKidReload = 0;
  private expiring: Promise<unknown> | undefined;
  private readonly warnedDecrypt = new Set<string>();
  private readonly log = logger();

  constructor(private readonly ttl: number) {}

  invalidate(): void {
    this.generation++;
  }

  async current(): Promise<Snapshot> {
    const snap = this.snapshot;
    if (snap && snap.generation === this.generation && Date.now() - snap.loadedAt < this.ttl) return snap;
    try {
      return await this.load();
    } catch (err) {
      // Database briefly unreachable: keep verifying with what we had rather than refusing everyone. With nothing
      // cached the error propagates (fail closed).
      if (this.snapshot) {
        this.log.error({ err }, 'signing keys could not be reloaded; using the cached set');
        return this.snapshot;
      }
      throw err;
    }
  }

  /** A kid missing from `snap` may be a key created a moment ago in another process: reload, at most once a second. */
  async reloadForUnknownKid(snap: Snapshot, now: number): Promise<Snapshot> {
    if (now - snap.loadedAt <= 1000 || now - this.lastUnknownKidReload <= 1000) return snap;
    this.lastUnknownKidReload = now;
    this.invalidate();
    return this.current();
  }

  /** Marks keys whose grace period ended as revoked in the database (in the background, one run at a time). */
  expireSoon(): void {
    if (this.expiring) return;
    this.expiring = expireGracePeriods()
      .catch((err) => this.log.error({ err }, 'grace period expiry failed'))
      .finally(() => {
        this.expiring = undefined;
        this.invalidate(); // reload: the snapshot still shows those keys as verifying
      });
  }

  private load(): Promise<Snapshot> {
    const gen = this.generation;
    if (this.loading && this.loading.generation === gen) return this.loading.promise;
    const promise = loadKeyRingRows().then((rows) => {
      const now = Date.now();
      this.warnUndecryptable(rows);
      if (rows.some((r) => pastGrace(r, now))) this.expireSoon();
      const snap = buildSnapshot(rows, gen, now);
      if (gen === this.generation) this.snapshot = snap;
      return snap;
    });
    this.loading = { generation: gen, promise };
    const done = () => {
      if (this.loading?.promise === promise) this.loading = undefined;
    };
    promise.then(done, done);
    return promise;
  }

  private warnUndecryptable(rows: KeyRingRow[]): void {
    for (const r of rows) {
      if (r.decryptFailed && !this.warnedDecrypt.has(r.kid)) {
        this.warnedDecrypt.add(r.kid);
        this.log.warn({ kid: r.kid }, 'signing key does not decrypt with this master key: it cannot verify tokens');
      }
    }
  }
}

/** The keys that may verify a token with this database kid (or `revoked` when it no longer verifies). */
async function candidatesForKid(cache: KeyCache, kid: string): Promise<Candidates> {
  let snap = await cache.current();
  const now = Date.now();
  let row = snap.byKid.get(kid);
  if (!row) {
    snap = await cache.reloadForUnknownKid(snap, now);
    row = snap.byKid.get(kid);
  }
  if (!row) return { keys: [], revoked: false };
  if (verifies(row, now)) return { keys: [asVerificationKey(row)], revoked: false };
  if (pastGrace(row, now)) cache.expireSoon();
  return { keys: [], revoked: row.state === 'revoked' || pastGrace(row, now) };
}

/** Every key that verifies, database keys first (a token without kid is tried against each). */
async function allCandidates(cache: KeyCache, envKeys: VerificationKey[]): Promise<Candidates> {
  const snap = await cache.current();
  const now = Date.now();
  if (snap.rows.some((r) => pastGrace(r, now))) cache.expireSoon();
  const dbKeys = snap.rows.filter((r) => verifies(r, now)).map(asVerificationKey);
  return { keys: [...dbKeys, ...envKeys], revoked: false };
}

async function signingSecret(cache: KeyCache, envKeys: VerificationKey[]) {
  const active = (await cache.current()).rows.find((r) => r.state === 'active');
  if (active?.secret) return { kid: active.kid, secret: active.secret, source: 'db' as const, id: active.id };
  if (active?.decryptFailed)
    throw new Error(`the active signing key ${active.kid} does not decrypt with this master key`);
  if (envKeys.length > 0) return { kid: undefined, secret: envKeys[0].secret, source: 'env' as const };
  return null;
}

export function createDatabaseKeyRing(envSecrets: string[], opts: { cacheTtlMs?: number } = {}): SigningKeyRing {
  const log = logger();
  const cache = new KeyCache(opts.cacheTtlMs ?? 5_000);
  const envKeys: VerificationKey[] = envSecrets.map((s, i) => ({
    kid: `env-${i}`,
    secret: new TextEncoder().encode(s),
    source: 'env',
  }));
  const usage = new UsageCounters(envKeys.map((k) => k.kid));
  const flushUsage = () => usage.flush();
  return {
    authRequired: async () => envKeys.length > 0 || (await cache.current()).anyNonRevoked,
    candidates: async (kid) => {
      if (kid === undefined) return allCandidates(cache, envKeys);
      if (ENV_KID.test(kid)) return { keys: envKeys.filter((k) => k.kid === kid), revoked: false };
      return candidatesForKid(cache, kid);
    },
    recordUse: (key, claims) => usage.record(key, claims),
    invalidate: () => cache.invalidate(),
    signingSecret: () => signingSecret(cache, envKeys),
    flushUsage,
    noteLifetime: (seconds) => usage.noteLifetime(seconds),
    envKeys: () => usage.envViews(),
    close: () => flushUsage().catch((err) => log.error({ err }, 'signing key usage flush failed')),
  };
}
