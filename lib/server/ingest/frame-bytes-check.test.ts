/**
 * frameBytesProblem (the WebSocket frame rule checked on the bytes) answers exactly what the rule gave when the
 * frame was parsed: JSON.parse of the frame read as UTF-8, then frameShapeProblem. Checked on every line of the real
 * rtcstats dumps, on each of them cut short, and on arbitrary input: JSON arrays of any values, those with bytes
 * changed, inserted or removed, runs of JSON's punctuation and words, and random bytes.
 */

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, RTCSTATS_FIXTURES, readFixture } from '../../../test/helpers/fixtures';
import { frameShapeProblem } from './frame-batch';
import { frameBytesProblem } from './frame-bytes-check';

/** The rule as it was: parse, then look at the shape. */
function parsedProblem(frame: Uint8Array): string | undefined {
  if (frame[0] !== 91 || frame[frame.length - 1] !== 93) return 'each frame must be one JSON array';
  if (frame.includes(10) || frame.includes(13)) return 'each frame must be one JSON array on one line';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(frame).toString('utf8'));
  } catch {
    return 'each frame must be one JSON array: not valid JSON';
  }
  return frameShapeProblem(parsed);
}

const agrees = (frame: Uint8Array): void => {
  expect(frameBytesProblem(frame)).toBe(parsedProblem(frame));
};
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe('frameBytesProblem', () => {
  test('examples', () => {
    expect(frameBytesProblem(bytes('["getstats","PC_0",{"a":[1,2.5e-3,{"b":null}]},17]'))).toBeUndefined();
    expect(frameBytesProblem(bytes('[ "x" , -0.5E+2 ]'))).toBeUndefined();
    expect(frameBytesProblem(bytes('["x"]'))).toMatch(/at least 2/);
    expect(frameBytesProblem(bytes('["x","y"]'))).toMatch(/timestamp delta/);
    expect(frameBytesProblem(bytes('["x",[1]]'))).toMatch(/timestamp delta/);
    expect(frameBytesProblem(bytes('["x",01]'))).toMatch(/not valid JSON/);
    expect(frameBytesProblem(bytes('["x",1,]'))).toMatch(/not valid JSON/);
    expect(frameBytesProblem(bytes('["a\\u00zz",1]'))).toMatch(/not valid JSON/);
    expect(frameBytesProblem(bytes('["a",1]["b",2]'))).toMatch(/not valid JSON/);
    expect(frameBytesProblem(bytes('["a",\n1]'))).toMatch(/one line/);
    expect(frameBytesProblem(bytes('{"a":1}'))).toMatch(/one JSON array$/);
    // Bytes that are not UTF-8 are accepted inside strings (they read as U+FFFD), refused outside them.
    expect(frameBytesProblem(new Uint8Array([91, 34, 0xff, 0xe2, 34, 44, 49, 93]))).toBeUndefined();
    expect(frameBytesProblem(new Uint8Array([91, 0xc2, 0xa0, 34, 34, 44, 49, 93]))).toMatch(/not valid JSON/);
    for (const text of [
      '["getstats","PC_0",{"a":[1,2.5e-3,{"b":null}]},17]',
      '["x"]',
      '["a\\u00zz",1]',
      '[]',
      '[[],{}]',
    ])
      agrees(bytes(text));
  });

  test.skipIf(!HAVE_FIXTURES)('every line of the real dumps, whole and cut short', () => {
    let lines = 0;
    for (const f of RTCSTATS_FIXTURES) {
      for (const line of readFixture('rtcstats-js', f.file).toString('utf8').split('\n').slice(2)) {
        if (!line.startsWith('[')) continue;
        const frame = bytes(line);
        agrees(frame);
        expect(frameBytesProblem(frame)).toBeUndefined();
        for (const cut of [1, 2, 3, Math.floor(frame.length / 2)])
          agrees(Buffer.concat([frame.subarray(0, -cut - 1), bytes(']')]));
        lines++;
      }
    }
    expect(lines).toBeGreaterThan(100);
  });

  const arrays = fc
    .array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 6 })
    .map((values) => bytes(JSON.stringify(values)));

  test('arbitrary JSON arrays', () => {
    fc.assert(
      fc.property(arrays, (frame) => agrees(frame)),
      { numRuns: 2000 },
    );
  });

  test('arbitrary JSON arrays with bytes changed, inserted or removed', () => {
    const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), op: fc.constantFrom(0, 1, 2) });
    fc.assert(
      fc.property(arrays, fc.array(edit, { minLength: 1, maxLength: 3 }), (frame, edits) => {
        let b = Buffer.from(frame);
        for (const { at, byte, op } of edits) {
          const i = at % (b.length + 1);
          if (op === 0 && i < b.length) b[i] = byte;
          else if (op === 1) b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
          else b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
        }
        agrees(b);
      }),
      { numRuns: 4000 },
    );
  });

  test("runs of JSON's punctuation and words, and random bytes, inside brackets", () => {
    const token = fc.constantFrom(
      '[',
      ']',
      '{',
      '}',
      '"',
      ',',
      ':',
      ' ',
      '\t',
      '\\',
      '\\u',
      '\\"',
      'u',
      '0',
      '7',
      '-',
      '+',
      '.',
      'e',
      'E',
      'a',
      'f',
      'true',
      'false',
      'null',
      'tru',
      'nul',
      '"k":',
      '1.5',
      '-0',
      '01',
      '\u00e9',
      '\u2028',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => agrees(bytes(`[${tokens.join('')}]`))),
      { numRuns: 4000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (middle) =>
        agrees(Buffer.concat([bytes('['), middle, bytes(']')])),
      ),
      { numRuns: 2000 },
    );
  });
});
