/**
 * Many callers' writes as one: items added in the same turn of the event loop, or while the batches in flight are
 * being written, go out together as the next batch (one round trip for a thousand sessions opening at once, instead
 * of a thousand holding the pool and the event loop). With `concurrency` 1 (the default) one batch at a time, in the
 * order items were added, so a later item is never written before an earlier one; writes whose order does not matter
 * (new rows) may have several batches in flight, so one waiting for a pool connection does not hold up the next.
 * With `gatherMs`, a batch waits that long after its first item for others to join: items that arrive spread out
 * (clients connecting a few hundred a second, each in its own turn) would otherwise go out one per batch.
 */

export type BatchOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

export class Batcher<I, O> {
  private queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  /** The gathering wait of the next batch, while one runs. */
  private gathering: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly concurrency: number;
  private readonly gatherMs: number;

  /** `write` answers each item's outcome in the items' order; a throw fails every item of the batch. */
  constructor(
    private readonly write: (items: I[]) => Promise<BatchOutcome<O>[]>,
    options: { maxBatch?: number; concurrency?: number; gatherMs?: number } = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.concurrency = options.concurrency ?? 1;
    this.gatherMs = options.gatherMs ?? 0;
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.gathering && this.queue.length >= this.maxBatch) {
      // A full batch goes at once.
      clearTimeout(this.gathering);
      this.gathering = undefined;
      this.scheduled = false;
    }
    if (this.scheduled || this.inFlight >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    const run = () => {
      this.gathering = undefined;
      this.scheduled = false;
      void this.next();
    };
    // After this turn's I/O callbacks: the connections accepted in the same poll phase share the batch.
    if (this.gatherMs > 0 && this.queue.length < this.maxBatch) this.gathering = setTimeout(run, this.gatherMs);
    else setImmediate(run);
  }

  private async next(): Promise<void> {
    if (this.inFlight >= this.concurrency || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight++;
    let outcomes: BatchOutcome<O>[];
    try {
      outcomes = await this.write(batch.map((b) => b.item));
    } catch (error) {
      outcomes = batch.map(() => ({ ok: false, error }));
    }
    this.inFlight--;
    batch.forEach((b, i) => {
      const o = outcomes[i] ?? { ok: false, error: new Error('batch write answered no outcome') };
      if (o.ok) b.resolve(o.value);
      else b.reject(o.error);
    });
    this.schedule();
  }
}

/**
 * A batch write that, when the batch as a whole fails, tries each item alone: one bad item fails only itself, as
 * when each was written on its own (and with the database down, each fails as it did).
 */
export async function eachOnFailure<I, O>(
  items: I[],
  writeAll: (items: I[]) => Promise<O[]>,
): Promise<BatchOutcome<O>[]> {
  try {
    const values = await writeAll(items);
    return values.map((value) => ({ ok: true, value }));
  } catch (error) {
    if (items.length === 1) return [{ ok: false, error }];
    const outcomes: BatchOutcome<O>[] = [];
    for (const item of items) {
      try {
        outcomes.push({ ok: true, value: (await writeAll([item]))[0] });
      } catch (err) {
        outcomes.push({ ok: false, error: err });
      }
    }
    return outcomes;
  }
}
