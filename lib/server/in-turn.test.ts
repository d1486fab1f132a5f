/** inTurn: never more than n at once, the rest in the order they came, and a failure frees its slot. */

import { expect, test } from 'vitest';
import { inTurn } from './in-turn';

test('at most n run at once, the rest in order; a failure frees its slot', async () => {
  const limit = inTurn(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const work = (i: number) =>
    limit(async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5 + (i % 3)));
      running--;
      if (i === 3) throw new Error('boom');
      return i;
    });
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => work(i)));
  expect(most).toBe(2);
  expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual([
    0, 1, 2, 'failed', 4, 5, 6, 7, 8, 9,
  ]);
  // Every slot came back: two more run at once.
  await Promise.all([work(10), work(11)]);
  expect(most).toBe(2);
});
