import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { collectDump } from './collect';
import { decodeDump, detectFormat, UnsupportedDumpError } from './detect';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, readFixture } from '../../../test/helpers/fixtures';

describe('detectFormat', () => {
  test('recognizes the three formats by their first bytes', () => {
    expect(detectFormat('RTCStatsDump\n{"fileFormat":3}\n')).toBe('rtcstats');
    expect(detectFormat('RTCStatsDump\r\n{}')).toBe('rtcstats');
    expect(detectFormat('["connectionInfo",null,{},1]\n')).toBe('jitsi');
    expect(detectFormat('["identity", null, {}, 1]')).toBe('jitsi');
    expect(detectFormat('\ufeff{\n "getUserMedia": []')).toBe('webrtc-internals');
    expect(detectFormat('  {"PeerConnections":{}}')).toBe('webrtc-internals');
  });

  test('anything else is not recognized', () => {
    for (const text of ['', 'hello', 'RTCStatsDum', '[1,2,3]', '<html>', '\u0000\u0001']) {
      expect(detectFormat(text)).toBeUndefined();
    }
  });
});

describe('decodeDump', () => {
  const rtcstats = 'RTCStatsDump\n{"fileFormat":3}\n[39,null,{},1000]\n[27,"PC_0",null,5]\n';

  test('plain and gzipped input decode the same', () => {
    const plain = collectDump((sink) => expect(decodeDump(rtcstats, sink)).toBe('rtcstats'));
    const zipped = collectDump((sink) => expect(decodeDump(gzipSync(rtcstats), sink)).toBe('rtcstats'));
    expect(zipped).toEqual(plain);
    expect(plain.events.map((event) => event.time)).toEqual([1000, 1005]);
  });

  test('unrecognized input throws UnsupportedDumpError, with a preview', () => {
    expect(() => decodeDump('GIF89a...', collectingNothing())).toThrow(UnsupportedDumpError);
    expect(() => decodeDump(Buffer.from([0x1f, 0x8b, 1, 2, 3]), collectingNothing())).toThrow(UnsupportedDumpError);
    expect(() => decodeDump('', collectingNothing())).toThrow(/Unrecognized dump format/);
  });

  test('a truncated gzip decodes what could be inflated and says so', () => {
    const lines = ['RTCStatsDump', '{"fileFormat":3}'];
    for (let i = 0; i < 2000; i++) lines.push(JSON.stringify([27, 'PC_0', { n: i, pad: 'x'.repeat(i % 50) }, 1000]));
    const zipped = gzipSync(lines.join('\n'));
    const dump = collectDump((sink) => decodeDump(zipped.subarray(0, Math.floor(zipped.length / 2)), sink));
    expect(dump.events.length).toBeGreaterThan(100);
    expect(dump.events.length).toBeLessThan(2000);
    expect(dump.warnings.some((warning) => warning.startsWith('gzip stream is damaged or truncated'))).toBe(true);
  });

  test.skipIf(!HAVE_FIXTURES)(`routes every fixture to its decoder ${HAVE_FIXTURES ? '' : SKIP_FIXTURES_MESSAGE}`, () => {
    const formats = [
      ['rtcstats-js', 'standup-bob.rtcstats', 'rtcstats'],
      ['jitsi', 'safari-relay.txt', 'jitsi'],
      ['webrtc-internals', 'standup2-chrome156.txt.gz', 'webrtc-internals'],
    ] as const;
    for (const [folder, file, format] of formats) {
      const dump = collectDump((sink) => expect(decodeDump(readFixture(folder, file), sink)).toBe(format));
      expect(dump.metadata.format).toBe(format);
      expect(Object.keys(dump.stats).length).toBeGreaterThan(0);
    }
  });
});

function collectingNothing() {
  return { metadata() {}, event() {}, stats() {}, warn() {} };
}
