/**
 * `StatsDecompressor` (in place, what the decoder uses) must give exactly what the pure `statsDecompression` gives:
 * same reports, same key order, same `skipped`/`created`, on any chain of deltas, including hostile ids and keys.
 */

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { StatsDecompressor, statsDecompression } from './rtcstats-compression';
import { HAVE_FIXTURES, readFixture } from '../../../test/helpers/fixtures';

/** Key order matters (the analyser iterates reports in it): JSON.stringify keeps it, own `__proto__` keys too. */
function canonical(value: unknown): string {
  return JSON.stringify(value);
}

const ids = fc.constantFrom('0', '1', '2', '17', '255', 'a', 'b', 'toString', 'constructor', '__proto__', '01', 't');
const keys = fc.constantFrom(
  '4',
  '80',
  '96',
  '118',
  '2',
  't',
  'timestamp',
  'type',
  'qualityLimitationDurations',
  'bytesSent',
  'id',
  '__proto__',
  'x',
);
const leaf = fc.oneof(
  fc.integer({ min: -5, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('audio', 'connected', 'x', '16'),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(
  { weight: 5, arbitrary: leaf },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'b', 'none', 'cpu'), leaf, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 15 }) }, // stats type codes
);
const report = fc.dictionary(keys, value, { maxKeys: 6 });
const entry = fc.oneof(
  { weight: 6, arbitrary: report },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.string(), fc.array(fc.integer(), { maxLength: 2 })) },
);
const delta = fc
  .record({
    entries: fc.array(fc.tuple(ids, entry), { maxLength: 6 }),
    t: fc.option(fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.constant('x')), { nil: undefined }),
  })
  .map(({ entries, t }) => {
    // Built through JSON, as a dump line would be: `__proto__` becomes an own key.
    const object: Record<string, unknown> = {};
    for (const [id, e] of entries)
      Object.defineProperty(object, id, { value: e, enumerable: true, writable: true, configurable: true });
    if (t !== undefined) object.t = t;
    return JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
  });

function compareChain(chain: Record<string, unknown>[]): void {
  const decompressor = new StatsDecompressor();
  let base = {};
  for (const d of chain) {
    const pureSkipped: string[] = [];
    const pureCreated: string[] = [];
    const pure = statsDecompression(base, d, pureSkipped, pureCreated);
    const skipped: string[] = [];
    const created: string[] = [];
    const live = decompressor.apply(d, skipped, created);
    expect(canonical(live)).toBe(canonical(pure));
    expect(Object.keys(live)).toEqual(Object.keys(pure));
    expect(Object.getPrototypeOf(live)).toBe(Object.prototype);
    expect(skipped).toEqual(pureSkipped);
    expect(created).toEqual(pureCreated);
    base = pure;
  }
}

describe('StatsDecompressor equals statsDecompression', () => {
  test('on random delta chains (hostile ids, repeated names, corrupt values)', () => {
    fc.assert(
      fc.property(fc.array(delta, { minLength: 1, maxLength: 8 }), (chain) => compareChain(chain)),
      { numRuns: 1000 },
    );
  });

  test('on index ids only (the in-place container path)', () => {
    const indexDelta = delta.map((d) => {
      const out: Record<string, unknown> = {};
      for (const [id, e] of Object.entries(d)) if (id === 't' || /^(0|[1-9]\d*)$/.test(id)) out[id] = e;
      return out;
    });
    fc.assert(
      fc.property(fc.array(indexDelta, { minLength: 1, maxLength: 10 }), (chain) => compareChain(chain)),
      { numRuns: 1000 },
    );
  });

  test('two names for one sub-object merge with the base value, as the pure form does', () => {
    compareChain([
      { '0': { type: 2, '96': { a: 1, b: 2 } }, t: 1 },
      { '0': { '96': { a: 5 }, qualityLimitationDurations: { c: 3 } }, t: 2 },
      { '0': { '96': 7, qualityLimitationDurations: { d: 4 } }, t: 3 },
    ]);
  });

  test.skipIf(!HAVE_FIXTURES)('on every getStats chain of the rtcstats-js fixtures', () => {
    for (const name of ['standup-alice.rtcstats', 'standup-bob.rtcstats', 'standup2-alice.rtcstats']) {
      const byPc = new Map<string, Record<string, unknown>[]>();
      for (const line of readFixture('rtcstats-js', name).toString('utf8').split('\n')) {
        if (!line.startsWith('["g"')) continue;
        const frame = JSON.parse(line) as unknown[];
        const pc = String(frame[1]);
        byPc.set(pc, [...(byPc.get(pc) ?? []), frame[2] as Record<string, unknown>]);
      }
      expect(byPc.size).toBeGreaterThan(0);
      for (const chain of byPc.values()) compareChain(chain);
    }
  });
});
