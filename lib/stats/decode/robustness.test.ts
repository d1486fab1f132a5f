/**
 * Property tests: damaged input never throws out of a decoder (except an unrecognizable format at detection),
 * never hangs, keeps the output well-formed, and warns about what it skipped.
 */

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { DecodedDump, DumpSink } from '../model';
import { collectDump } from './collect';
import { decodeDump, UnsupportedDumpError } from './detect';
import { JitsiDecoder } from './jitsi';
import { RtcstatsDecoder } from './rtcstats';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, readFixture } from '../../../test/helpers/fixtures';

const RUNS = 50;

/** Small inputs for the line decoders (a fixture head keeps every run fast on 2 cores). */
function fixtureHead(folder: string, file: string, lines: number): string {
  return readFixture(folder, file).toString('utf8').split('\n').slice(0, lines).join('\n');
}

/** Decodes, treating UnsupportedDumpError (format unrecognizable) as the only acceptable throw. */
function decodeOrUnsupported(input: Buffer | string): DecodedDump | undefined {
  try {
    return collectDump((sink) => decodeDump(input, sink));
  } catch (error) {
    if (error instanceof UnsupportedDumpError) return undefined;
    throw error;
  }
}

function expectWellFormed(dump: DecodedDump): void {
  for (const event of dump.events) {
    expect(typeof event.type).toBe('string');
    expect(Number.isFinite(event.time)).toBe(true);
    expect(Array.isArray(event.extra)).toBe(true);
  }
  for (const [pc, samples] of Object.entries(dump.stats)) {
    for (const sample of samples) {
      expect(sample.pc).toBe(pc);
      for (const [id, report] of Object.entries(sample.reports)) {
        expect(report.id).toBe(id);
        expect(typeof report.type).toBe('string');
        expect(typeof report.timestamp).toBe('number');
      }
    }
  }
  for (const warning of dump.warnings) expect(typeof warning).toBe('string');
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const LINE_FORMATS = [
  { name: 'rtcstats', folder: 'rtcstats-js', file: 'standup-alice.rtcstats', lines: 50, headerLines: 2 },
  { name: 'jitsi', folder: 'jitsi', file: 'chrome-relay.txt', lines: 25, headerLines: 1 },
];

describe.each(LINE_FORMATS)('$name decoder under damage', ({ folder, file, lines, headerLines }) => {
  const skip = !HAVE_FIXTURES;
  const text = skip ? '' : fixtureHead(folder, file, lines);
  const bytes = Buffer.from(text);
  const clean = skip ? undefined : collectDump((sink) => decodeDump(text, sink));

  test.skipIf(skip)(`truncated at a random byte: returns, and warns about a cut line ${skip ? SKIP_FIXTURES_MESSAGE : ''}`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length }), (cut) => {
        const dump = decodeOrUnsupported(bytes.subarray(0, cut));
        if (!dump) return; // too little left to recognize the format
        expectWellFormed(dump);
        const kept = bytes.subarray(0, cut).toString('utf8');
        const lastLine = kept.slice(kept.lastIndexOf('\n') + 1);
        if (kept.split('\n').length > headerLines && lastLine.trim() && !isValidJson(lastLine)) {
          expect(dump.warnings.length).toBeGreaterThan(0);
        }
        expect(dump.events.length).toBeLessThanOrEqual((clean as DecodedDump).events.length);
      }),
      { numRuns: RUNS },
    );
  });

  test.skipIf(skip)('shuffled lines: returns well-formed output', () => {
    const all = text.split('\n');
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), (shuffled) => {
        const dump = decodeOrUnsupported(shuffled.join('\n'));
        if (!dump) return;
        expectWellFormed(dump);
        // The header/first line moved: the decoder says so.
        if (shuffled[0] !== all[0]) expect(dump.warnings.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  test.skipIf(skip)('random byte corruption: returns well-formed output', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }),
        (edits) => {
          const damaged = Buffer.from(bytes);
          for (const [at, value] of edits) damaged[at] = value;
          const dump = decodeOrUnsupported(damaged);
          if (dump) expectWellFormed(dump);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test.skipIf(skip)('random junk lines: each is warned about and nothing else changes', () => {
    const junkLine = fc.oneof(
      fc.string({ maxLength: 80 }).map((s) => `#${s.replace(/\n/g, ' ')}`),
      fc.constantFrom('{"junk":true}', '[1]', '[]', 'null', '42', '"text"', '[[[[[[', '\u0000\u0001\u0002', '["x",{},1,2]'),
    );
    const all = text.split('\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: headerLines, max: all.length }), junkLine), { minLength: 1, maxLength: 10 }), (insertions) => {
        const damaged = [...all];
        for (const [at, junk] of [...insertions].sort((a, b) => b[0] - a[0])) damaged.splice(at, 0, junk);
        const dump = collectDump((sink) => decodeDump(damaged.join('\n'), sink));
        expectWellFormed(dump);
        expect(dump.warnings.length).toBe(insertions.length);
        expect(dump.events).toEqual((clean as DecodedDump).events);
        expect(dump.stats).toEqual((clean as DecodedDump).stats);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('webrtc-internals under damage', () => {
  const skip = !HAVE_FIXTURES;
  test.skipIf(skip)(`truncated gzip or JSON: returns and warns ${skip ? SKIP_FIXTURES_MESSAGE : ''}`, () => {
    const zipped = skip ? Buffer.alloc(0) : readFixture('webrtc-internals', 'standup2-chrome156.txt.gz');
    fc.assert(
      fc.property(fc.integer({ min: 2, max: zipped.length - 1 }), (cut) => {
        const dump = decodeOrUnsupported(zipped.subarray(0, cut));
        if (!dump) return;
        expectWellFormed(dump);
        expect(dump.warnings.length).toBeGreaterThan(0);
      }),
      { numRuns: 20 },
    );
  });

  test('structurally wrong documents warn instead of throwing', () => {
    const documents: unknown[] = [
      { PeerConnections: 5 },
      { PeerConnections: { a: 1, b: { updateLog: 'x', stats: [] } } },
      { getUserMedia: {}, PeerConnections: { p: { updateLog: [null, 1, { type: 5 }], stats: { 'x-y': { values: 'nope' } } } } },
      { PeerConnections: { p: { stats: { 'A-timestamp': { values: '[1,2]' }, 'A-bytesSent': { values: '[1,2,3,4,5]' } } } } },
      { PeerConnections: { p: { updateLog: [{ type: 'constructor', value: 'x', timestamp: 1 }, { type: 'toString' }] } } },
    ];
    for (const document of documents) {
      const dump = collectDump((sink) => decodeDump(JSON.stringify(document), sink));
      expectWellFormed(dump);
      expect(dump.warnings.length).toBeGreaterThan(0);
    }
  });
});

describe('bounded work', () => {
  test('prototype-ish names stay plain strings and keys', () => {
    const jitsi = collectDump((sink) =>
      decodeDump(
        [
          '["connectionInfo",null,{},1]',
          '["getstats","PC_0",{"a":{"type":"constructor","timestamp":0},"__proto__":{"type":"inbound-rtp"},"timestamp":5},5]',
          '["constructor","__proto__",{},6]',
        ].join('\n'),
        sink,
      ),
    );
    expectWellFormed(jitsi);
    expect(jitsi.stats.PC_0[0].reports.a.type).toBe('constructor');
    expect(Object.getPrototypeOf(jitsi.stats.PC_0[0].reports)).toBe(Object.prototype);
    expect(jitsi.events[0]).toMatchObject({ pc: '__proto__', type: 'constructor' });
    const rtcstats = collectDump((sink) => decodeDump('RTCStatsDump\n{}\n["g","__proto__",{"0":{"type":2}},1000]', sink));
    const [[pc, samples]] = Object.entries(rtcstats.stats);
    expect(pc).toBe('__proto__');
    expect(samples[0].reports['0'].type).toBe('outbound-rtp');
  });

  test('a giant line is skipped by the length bound; deep nesting does not throw', () => {
    const warnings: string[] = [];
    const sink: DumpSink = { metadata() {}, event() {}, stats() {}, warn: (message) => warnings.push(message) };
    const decoder = new RtcstatsDecoder(sink, { maxLineLength: 1000 });
    decoder.push('RTCStatsDump\n{"fileFormat":3}\n');
    decoder.push('x'.repeat(600));
    decoder.push('x'.repeat(600)); // still no newline: dropped once over the bound
    decoder.push('tail\n[39,null,{},1000]\n');
    decoder.pushLine(`${'['.repeat(100_000)}`);
    decoder.end();
    expect(warnings).toEqual([
      'line 3: exceeds the 1000 character limit, skipped',
      'line 5: 100000 characters exceed the 1000 limit, skipped',
    ]);
    const deep = collectDump((s) => {
      const jitsi = new JitsiDecoder(s);
      jitsi.pushLine(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
      jitsi.end();
    });
    expect(deep.warnings.length).toBeGreaterThan(0);
  });

  test('warnings are throttled but counted', () => {
    const lines = ['RTCStatsDump', '{"fileFormat":3}', ...Array.from({ length: 500 }, () => 'garbage')];
    const dump = collectDump((sink) => decodeDump(lines.join('\n'), sink));
    expect(dump.warnings).toHaveLength(201);
    expect(dump.warnings[200]).toBe('300 further warnings suppressed');
  });
});
