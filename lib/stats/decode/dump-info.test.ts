import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, readFixture, SKIP_FIXTURES_MESSAGE } from '../../../test/helpers/fixtures';
import { collectDump } from './collect';
import { decodeDump } from './detect';
import { readDumpInfo } from './dump-info';
import { DumpFormatError } from './dump-format-error';

/** readDumpInfo says what an upload is, the way the full decode would, and refuses what cannot be stored. */
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
      const bytes = readFixture(folder, file);
      const info = readDumpInfo(bytes);
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
      expect(info.inflated.toString('utf8').split('\n').length).toBe(info.lineCount);
    });
  }

  test('a Jitsi dump names its room from confID when it has no confName', () => {
    const info = readDumpInfo(readFixture('jitsi', 'firefox-standard-stats-sfu.txt'));
    expect(info.metadata).toMatchObject({ user: 'andrei-mac-firefox', conference: 'closeoutfitsusefast', session: '1605197691597' });
  });
});

describe('refusals', () => {
  const kindOf = (input: Buffer, max?: number) => {
    try {
      readDumpInfo(input, { maxInflatedBytes: max });
      return 'accepted';
    } catch (err) {
      if (err instanceof DumpFormatError) return err.kind;
      throw err;
    }
  };
  test('not a dump: unsupported; a broken rtcstats header: invalid; a webrtc-internals dump without PeerConnections: invalid', () => {
    expect(kindOf(Buffer.from('hello'))).toBe('unsupported');
    expect(kindOf(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toBe('unsupported');
    expect(kindOf(Buffer.from('RTCStatsDump\n{"fileFormat":2}\n'))).toBe('invalid');
    expect(kindOf(Buffer.from('RTCStatsDump\nnot json\n'))).toBe('invalid');
    expect(kindOf(Buffer.from('RTCStatsDump\n[39,null,{},1000]\n'))).toBe('invalid');
    expect(kindOf(Buffer.from('{"getUserMedia":[]}'))).toBe('invalid');
    expect(kindOf(Buffer.from('{"PeerConnections":'))).toBe('invalid');
    expect(kindOf(Buffer.from('RTCStatsDump\n{"fileFormat":3}\n[39,null,{},1000]\n'))).toBe('accepted');
  });

  test('gzip that inflates past the limit is too large, whatever its content', () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 10));
    expect(bomb.length).toBeLessThan(16 * 1024);
    expect(kindOf(bomb, 1024 * 1024)).toBe('too_large');
    expect(kindOf(gzipSync('RTCStatsDump\n{"fileFormat":3}\n[39,null,{},1000]\n'), 1024)).toBe('accepted');
  });
});
