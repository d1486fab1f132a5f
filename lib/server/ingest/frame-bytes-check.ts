/**
 * The rtcstats wire rule for one WebSocket frame, checked on its bytes without building it (issue 13): JSON.parse of
 * every frame on the ingest thread, only to check its shape, built every object of the frame for the garbage
 * collector (the live analysis decodes the frame again, in its own thread); this scan takes about as long as the
 * parse alone (2.9 against 3.5 µs for the fixtures' 900-byte frames) and allocates nothing. The frame is stored verbatim as
 * one dump line, so it must be exactly one JSON array (`[` first, `]` last), on one line, of at least two elements
 * whose last one is a number (the timestamp delta): the same rule and messages as frameShapeProblem after
 * JSON.parse of the frame read as UTF-8 (`frame-bytes-check.test.ts` checks both agree on arbitrary input). Bytes
 * over 0x7f are accepted inside strings only, as JSON.parse accepts whatever they decode to there and nothing else
 * outside them.
 */

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const NOT_ONE_ARRAY = 'each frame must be one JSON array';
const NOT_ONE_LINE = 'each frame must be one JSON array on one line';
const NOT_JSON = 'each frame must be one JSON array: not valid JSON';
const TOO_SHORT = 'each frame must be one JSON array of at least 2 elements';
const NO_DELTA = 'the last element of a frame must be its timestamp delta';

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** The characters a backslash may escape, besides `u`. */
const ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

const isDigit = (c: number | undefined) => c !== undefined && c >= ZERO && c <= NINE;
const isHex = (c: number | undefined) =>
  c !== undefined && ((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));

function skipSpace(b: Uint8Array, i: number): number {
  let c = b[i];
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = b[++i];
  return i;
}

/** Bytes that stand for themselves inside a string: not a control character, a quote or a backslash. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 256; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

/** The index after the string starting at `i` (a quote), or -1. */
function skipString(b: Uint8Array, i: number): number {
  const n = b.length;
  for (i++; ; ) {
    while (i < n && PLAIN[b[i] as number] === 1) i++;
    if (i >= n) return -1;
    const c = b[i] as number;
    if (c === QUOTE) return i + 1;
    if (c !== BACKSLASH) return -1;
    const e = b[i + 1];
    if (e === 0x75 /* u */) {
      if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5]))) return -1;
      i += 6;
    } else if (e !== undefined && ESCAPES.has(e)) i += 2;
    else return -1;
  }
}

/** The index after the number starting at `i`, or -1 (JSON's grammar: no `+`, no leading zeros, no bare `.`). */
function skipNumber(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else return -1;
  if (b[i] === DOT) {
    i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45 /* e E */) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  return i;
}

function skipLiteral(b: Uint8Array, i: number, word: number[]): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}

// What the scan expects next.
const VALUE = 0; // a value
const FIRST = 1; // a value or `]` (just after `[`)
const KEY_FIRST = 2; // a key or `}` (just after `{`)
const KEY = 3; // a key (after a `,` in an object)
const AFTER = 4; // `,` or the closing bracket (after a value)

/** Why the frame breaks the wire rule, or undefined when it holds. */
export function frameBytesProblem(b: Uint8Array): string | undefined {
  const n = b.length;
  if (b[0] !== OPEN_ARRAY || b[n - 1] !== CLOSE_ARRAY) return NOT_ONE_ARRAY;
  if (b.includes(0x0a) || b.includes(0x0d)) return NOT_ONE_LINE;
  // Open containers, innermost last (1: an object, 0: an array). The frame's own array is depth 1.
  const open: number[] = [];
  let depth = 0;
  let elements = 0;
  let lastIsNumber = false;
  let expect = VALUE;
  let i = skipSpace(b, 0);
  for (;;) {
    const c = b[i];
    if (expect === AFTER) {
      if (depth === 0) return skipSpace(b, i) === n ? undefined : NOT_JSON;
      const inObject = open[depth - 1] === 1;
      if (c === COMMA) {
        expect = inObject ? KEY : VALUE;
        i = skipSpace(b, i + 1);
        continue;
      }
      if (c !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) return NOT_JSON;
      depth--;
      open.pop();
      if (depth === 0) {
        if (skipSpace(b, i + 1) !== n) return NOT_JSON;
        if (elements < 2) return TOO_SHORT;
        return lastIsNumber ? undefined : NO_DELTA;
      }
      // A container just ended: one of the frame's own elements when directly inside its array.
      if (depth === 1) lastIsNumber = false;
      i = skipSpace(b, i + 1);
      continue;
    }
    if (expect === KEY_FIRST || expect === KEY) {
      if (expect === KEY_FIRST && c === CLOSE_OBJECT) {
        expect = AFTER;
        continue;
      }
      if (c !== QUOTE) return NOT_JSON;
      i = skipString(b, i);
      if (i < 0) return NOT_JSON;
      i = skipSpace(b, i);
      if (b[i] !== COLON) return NOT_JSON;
      i = skipSpace(b, i + 1);
      expect = VALUE;
      continue;
    }
    if (expect === FIRST && c === CLOSE_ARRAY) {
      expect = AFTER;
      continue;
    }
    // A value.
    if (depth === 1) elements++;
    if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      const isObject = c === OPEN_OBJECT;
      open.push(isObject ? 1 : 0);
      depth++;
      expect = isObject ? KEY_FIRST : FIRST;
      i = skipSpace(b, i + 1);
      continue;
    }
    let next: number;
    let isNumber = false;
    if (c === QUOTE) next = skipString(b, i);
    else if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) {
      next = skipNumber(b, i);
      isNumber = true;
    } else if (c === TRUE[0]) next = skipLiteral(b, i, TRUE);
    else if (c === FALSE[0]) next = skipLiteral(b, i, FALSE);
    else if (c === NULL[0]) next = skipLiteral(b, i, NULL);
    else return NOT_JSON;
    if (next < 0) return NOT_JSON;
    if (depth === 1) lastIsNumber = isNumber;
    i = skipSpace(b, next);
    expect = AFTER;
  }
}
