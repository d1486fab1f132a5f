import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, readFixture, SKIP_FIXTURES_MESSAGE } from '../../../test/helpers/fixtures';
import { collectDump } from './collect';
import { decodeDump } from './detect';
import { readDumpInfo } from './dump-info';
import { DumpFormatError } from './dump-format-error';

/** readDumpInfo says what an upload is, the way the full decode would, and refuses what cannot be stored. */

/** The dump in pieces of `size` bytes, as the worker reads a file (a chunk border may fall inside a line). */
function* pieces(bytes: Buffer, size = 4093): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
const inflate = (bytes: Buffer) => (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes);
describe.skipIf(!HAVE_FIXTURES)('on real dumps', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);
  const cases = [
    ['rtcstats-js', 'standup-alice.rtcstats'],
    ['jitsi', 'firefox-standard-stats-sfu.txt'],
    ['jitsi', 'chrome-relay.txt'],
    ['webrtc-internals', 'standup2-chrome156.txt.gz'],
  ] as const;
  for (const [folder, file] of cases) {
    test(`${file}: format, metadata and time span equal the full decode's`, () => {
      const bytes = inflate(readFixture(folder, file));
      const info = readDumpInfo(pieces(bytes));
      const full = collectDump((sink) => decodeDump(bytes, sink));
      expect(info.format).toBe(full.metadata.format);
      expect(info.metadata).toEqual(full.metadata);
      const times = [...full.events.map((e) => e.time), ...Object.values(full.stats).flatMap((s) => s.map((x) => x.time))].filter(
        (t) => t > 0,
      );
      if (folder !== 'webrtc-internals') {
        // webrtc-internals samples are not read for the span (no stats decoding): its events bound it.
        expect(info.firstTime).toBe(Math.min(...times));
        expect(info.lastTime).toBe(Math.max(...times));
      } else {
        expect(info.firstTime).toBeGreaterThan(0);
        expect(info.lastTime).toBeGreaterThanOrEqual(info.firstTime as number);
      }
      expect(bytes.toString('utf8').split('\n').length).toBe(info.lineCount);
    });
  }

  test('a Jitsi dump names its room from confID when it has no confName', () => {
    const info = readDumpInfo(pieces(readFixture('jitsi', 'firefox-standard-stats-sfu.txt')));
    expect(info.metadata).toMatchObject({ user: 'andrei-mac-firefox', conference: 'closeoutfitsusefast', session: '1605197691597' });
  });
});

describe('refusals', () => {
  const kindOf = (text: string) => {
    try {
      readDumpInfo(pieces(Buffer.from(text), 7));
      return 'accepted';
    } catch (err) {
      if (err instanceof DumpFormatError) return err.kind;
      throw err;
    }
  };
  test('not a dump: unsupported; a broken rtcstats header: invalid; a webrtc-internals dump without PeerConnections: invalid', () => {
    expect(kindOf('hello')).toBe('unsupported');
    expect(kindOf('')).toBe('unsupported');
    expect(kindOf('RTCStatsDump\n{"fileFormat":2}\n')).toBe('invalid');
    expect(kindOf('RTCStatsDump\nnot json\n')).toBe('invalid');
    expect(kindOf('RTCStatsDump\n[39,null,{},1000]\n')).toBe('invalid');
    expect(kindOf('RTCStatsDump\n')).toBe('invalid');
    expect(kindOf('{"getUserMedia":[]}')).toBe('invalid');
    expect(kindOf('{"PeerConnections":')).toBe('invalid');
    expect(kindOf('RTCStatsDump\n{"fileFormat":3}\n[39,null,{},1000]\n')).toBe('accepted');
  });
});

describe('hostile input', () => {
  test('arbitrary bytes in arbitrary chunks: an answer or a DumpFormatError, never anything else', () => {
    const heads = ['', 'RTCStatsDump\n', 'RTCStatsDump\n{"fileFormat":3}\n', '["connectionInfo",null,', '{"PeerConnections":'];
    fc.assert(
      fc.property(fc.constantFrom(...heads), fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), (head, tail, size) => {
        try {
          readDumpInfo(pieces(Buffer.concat([Buffer.from(head), Buffer.from(tail)]), size));
        } catch (err) {
          expect(err).toBeInstanceOf(DumpFormatError);
        }
      }),
      { numRuns: 400 },
    );
  });

  test.skipIf(!HAVE_FIXTURES)('where the chunks are cut changes nothing', () => {
    const bytes = readFixture('jitsi', 'chrome-relay.txt');
    const whole = readDumpInfo([bytes]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), (size) => {
        expect(readDumpInfo(pieces(bytes, size))).toEqual(whole);
      }),
      { numRuns: 30 },
    );
  });
});
