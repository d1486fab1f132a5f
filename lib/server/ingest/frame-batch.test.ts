import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FrameBatchError, MAX_BATCH_LINES, parseFrameBatch } from './frame-batch';

/** The NDJSON batch parser under hostile input: it returns or throws FrameBatchError, nothing else, and fast. */
const frame = fc
  .tuple(fc.oneof(fc.string(), fc.integer()), fc.oneof(fc.constant(null), fc.string()), fc.jsonValue(), fc.integer({ min: 0, max: 1e6 }))
  .map((f) => JSON.stringify(f));

describe('parseFrameBatch', () => {
  test('valid frames come back verbatim, in order, with the close code of a final close line', () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 50 }), fc.option(fc.integer({ min: 1000, max: 4999 })), (frames, code) => {
        const text = [...frames, ...(code === null ? [] : [JSON.stringify(['close', null, code, 0])])].join('\n');
        const batch = parseFrameBatch(Buffer.from(text));
        expect(batch.frames).toEqual(frames);
        expect(batch.closeCode).toBe(code ?? undefined);
      }),
    );
  });

  test('arbitrary bytes: a batch or a FrameBatchError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        try {
          parseFrameBatch(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(FrameBatchError);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('lines near JSON: broken arrays, objects, a close line in the middle are refused whole', () => {
    for (const text of ['[this is not json}]', '{"a":1}', '[1]', '["getStats",null,{},"x"]', '["close",null,1000,0]\n["a",null,1,1]']) {
      expect(() => parseFrameBatch(Buffer.from(text)), text).toThrow(FrameBatchError);
    }
  });

  test('a batch of nothing but newlines is refused on its line count, before any line is read', () => {
    const bomb = Buffer.alloc(8 * 1024 * 1024, 10);
    const started = performance.now();
    expect(() => parseFrameBatch(bomb)).toThrow(`at most ${MAX_BATCH_LINES} lines`);
    // Counting newlines in 8 MB is a memchr loop: far from the cost of splitting it into 8 million strings.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
