/**
 * Batcher's gathering: items added in separate turns within `gatherMs` of a batch's first item go out together, a
 * full batch goes without waiting, and without `gatherMs` items of separate turns go out one batch each.
 */
import { expect, test } from 'vitest';
import { Batcher } from './batcher';

function recording(options: ConstructorParameters<typeof Batcher<number, number>>[1]) {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>(async (items) => {
    batches.push(items);
    return items.map((value) => ({ ok: true, value: value * 2 }));
  }, options);
  return { batches, batcher };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('items of separate turns within gatherMs share one batch, in order, each with its own outcome', async () => {
  const { batches, batcher } = recording({ gatherMs: 50, concurrency: 8 });
  const outcomes: Promise<number>[] = [];
  for (let i = 0; i < 5; i++) {
    outcomes.push(batcher.add(i));
    await turn();
  }
  expect(await Promise.all(outcomes)).toEqual([0, 2, 4, 6, 8]);
  expect(batches).toEqual([[0, 1, 2, 3, 4]]);
});

test('without gatherMs, items of separate turns go out as batches of their own', async () => {
  const { batches, batcher } = recording({ concurrency: 8 });
  const outcomes: Promise<number>[] = [];
  for (let i = 0; i < 3; i++) {
    outcomes.push(batcher.add(i));
    await turn();
    await turn();
  }
  await Promise.all(outcomes);
  expect(batches).toEqual([[0], [1], [2]]);
});

test('a full batch does not wait for gatherMs', async () => {
  const { batches, batcher } = recording({ gatherMs: 60_000, maxBatch: 3 });
  const started = Date.now();
  expect(await Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)])).toEqual([2, 4, 6]);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(batches).toEqual([[1, 2, 3]]);
});
