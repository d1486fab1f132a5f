/**
 * The rows of live sessions opening: every session opening in the same turn (or while the previous insert is in
 * flight) gets its row from one multi-row INSERT, and their conference / end-user records from one batched, deduped
 * write after it. A ramp of a thousand clients then costs a few round trips instead of thousands that saturated the
 * pool and kept the event loop from accepting connections. Their ends likewise: one UPDATE for the sessions ending
 * together. A failing batch is retried row by row, so one bad row fails only its own session.
 */
import { type BatchOutcome, Batcher, eachOnFailure } from '@/lib/server/batcher';
import {
  endSessions,
  insertSessions,
  type NewSession,
  type SessionEnd,
  touchDirectoryBatch,
} from '@/lib/server/data/sessions';
import { logger } from '@/lib/server/logger';
import type { RtcstatsIdentity } from '@/lib/shared/auth-token';

/** Up to this many batches in flight: under load one waits seconds for a pool connection, the next need not wait. */
const IN_FLIGHT = 8;

/**
 * How long a session's row waits for others opening after it. Clients arriving 500 a second each opened in a turn
 * of their own: 796 INSERTs for 1,000 sessions (PostgreSQL's log), each a round trip, a plan and the overview's
 * statement trigger. The client is already connected meanwhile; only its first frames wait (held in memory).
 */
const OPEN_GATHER_MS = 10;

const rows = new Batcher<NewSession, bigint>((items) => eachOnFailure(items, insertSessions), {
  concurrency: IN_FLIGHT,
  gatherMs: OPEN_GATHER_MS,
});

// Directory counts are for search: off the path that holds a new client's first frames, and never its failure.
const directory = new Batcher<{ identity: RtcstatsIdentity; at: Date }, undefined>(
  async (entries) => {
    try {
      await touchDirectoryBatch(entries);
    } catch (err) {
      logger().warn({ err, sessions: entries.length }, 'updating conference/user records failed');
    }
    return entries.map(() => ({ ok: true, value: undefined }));
  },
  { maxBatch: 5_000 },
);

/** Inserts a live session's row (batched with the others opening now); its directory update follows, batched. */
export async function insertLiveSession(s: NewSession): Promise<bigint> {
  const id = await rows.add(s);
  void directory.add({ identity: s.identity, at: s.sessionStart });
  return id;
}

/**
 * A session's end (or its end again, with the stored dump), batched with the others ending meanwhile. Rejects as
 * `endSession` would: the database's error (pending-writes.ts keeps it while PostgreSQL is down), or a row gone.
 */
export function writeSessionEnd(id: bigint, end: SessionEnd): Promise<void> {
  return ends.add({ id, end });
}

const ends = new Batcher<{ id: bigint; end: SessionEnd }, undefined>(
  async (items) => {
    const outcomes: BatchOutcome<undefined>[] = [];
    // An id at most once per statement: a second end of one session goes in the next, after the first.
    for (let start = 0; start < items.length; ) {
      const seen = new Set<bigint>();
      let stop = start;
      while (stop < items.length && !seen.has(items[stop].id)) seen.add(items[stop++].id);
      const chunk = items.slice(start, stop);
      const written = await eachOnFailure(chunk, async (c) => {
        const found = await endSessions(c);
        return c.map((item) => found.has(item.id));
      });
      for (const [i, w] of written.entries()) {
        if (!w.ok) outcomes.push(w);
        else if (w.value) outcomes.push({ ok: true, value: undefined });
        else outcomes.push({ ok: false, error: new Error(`session ${chunk[i].id} not found`) });
      }
      start = stop;
    }
    return outcomes;
  },
  { concurrency: IN_FLIGHT },
);
