import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, readFixture, SKIP_FIXTURES_MESSAGE } from '../../../test/helpers/fixtures';
import { obfuscateCandidate, obfuscateDumpLine, obfuscateInternalsDocument, obfuscateIp } from './address-obfuscation';

/** Stored dumps keep no client address but a TURN server's: rtcstats-server's rules, on real dumps of both formats. */
/** An IPv4 address on its own: not a server in a URL or host:port (`wss://192.0.2.1:3000`) nor a version (`Chrome/99.0.0.0`). */
const IPV4 = /(?<![\w/.:])(?:\d{1,3}\.){3}\d{1,3}(?![\w.:])/g;

describe('the rules', () => {
  test('addresses: last IPv4 octet, IPv6 past three groups; loopback, unspecified and hostnames kept', () => {
    expect(obfuscateIp('192.168.1.234')).toBe('192.168.1.x');
    expect(obfuscateIp('2001:db8:85a3:0:0:8a2e:370:7334')).toBe('2001:db8:85a3:x:x:x:x:x');
    expect(obfuscateIp('::ffff:10.0.0.7')).toBe('::ffff:10.0.0.x');
    for (const kept of ['127.0.0.1', '::1', '0.0.0.0', 'c5b2f5a4-1b2c.local']) expect(obfuscateIp(kept)).toBe(kept);
  });

  test('a relay candidate keeps its address (the TURN server) but not its raddr; every other type loses both', () => {
    expect(obfuscateCandidate('candidate:6 1 UDP 8331263 130.61.132.30 57514 typ relay raddr 81.2.3.4 rport 52790')).toBe(
      'candidate:6 1 UDP 8331263 130.61.132.30 57514 typ relay raddr 81.2.3.x rport 52790',
    );
    expect(obfuscateCandidate('candidate:1 1 udp 1686052607 81.2.3.4 3478 typ srflx raddr 10.0.0.2 rport 50000')).toBe(
      'candidate:1 1 udp 1686052607 81.2.3.x 3478 typ srflx raddr 10.0.0.x rport 50000',
    );
  });

  test('SDP: candidate, c= and a=rtcp: lines; everything else byte for byte', () => {
    const sdp = 'v=0\r\nc=IN IP4 81.2.3.4\r\na=rtcp:9 IN IP4 81.2.3.4\r\na=candidate:1 1 udp 2122 192.168.1.2 5000 typ host\r\na=mid:0\r\n';
    const line = JSON.stringify(['setLocalDescription', 'PC_0', { type: 'offer', sdp }, 5]);
    const out = JSON.parse(obfuscateDumpLine(line));
    expect(out[2].sdp).toBe('v=0\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=candidate:1 1 udp 2122 192.168.1.x 5000 typ host\r\na=mid:0\r\n');
  });

  test('lines without addresses come back as the very same string', () => {
    for (const line of ['RTCStatsDump', '{"fileFormat":3}', '["getUserMedia",null,{"audio":true},5]', '[1,"PC_0",{"a": 1},2]', 'not json']) {
      expect(obfuscateDumpLine(line)).toBe(line);
    }
  });
});

describe.skipIf(!HAVE_FIXTURES)('real dumps', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);
  for (const [folder, file] of [
    ['rtcstats-js', 'standup-alice.rtcstats'],
    ['jitsi', 'firefox-standard-stats-sfu.txt'],
    ['jitsi', 'chrome-relay.txt'],
    ['jitsi', 'safari-standard-stats.txt'],
  ] as const) {
    test(`${file}: no client IPv4 address survives; relay candidates keep the TURN server's`, () => {
      const lines = readFixture(folder, file).toString('utf8').split('\n');
      const out = lines.map(obfuscateDumpLine);
      expect(out).toHaveLength(lines.length);
      const relays = new Set<string>();
      for (const line of lines) {
        for (const m of line.matchAll(/candidate:\S+ \d \S+ \d+ ((?:\d{1,3}\.){3}\d{1,3}) \d+ typ relay/g)) relays.add(m[1]);
      }
      const survivors = out.flatMap((line) => line.match(IPV4) ?? []).filter((ip) => !relays.has(ip) && !['127.0.0.1', '0.0.0.0'].includes(ip));
      expect(survivors.filter((ip) => ip.split('.').every((o) => Number(o) <= 255))).toEqual([]);
      // What there was to obfuscate: the fixtures carry client addresses (rtcstats-js's recording had obfuscation off).
      expect(lines.flatMap((line) => line.match(IPV4) ?? []).length).toBeGreaterThan(survivors.length);
      if (file === 'chrome-relay.txt') expect(relays.size).toBeGreaterThan(0);
      // Lines without addresses are untouched.
      const untouched = lines.filter((line, i) => out[i] === line).length;
      expect(untouched).toBeGreaterThan(lines.length / 2);
    });
  }
});

describe.skipIf(!HAVE_FIXTURES)('a webrtc-internals document', () => {
  test('update-log candidates and SDPs, and the address stats series, keep no client address', async () => {
    const { gunzipSync } = await import('node:zlib');
    const { collectDump } = await import('./collect');
    const { decodeDump } = await import('./detect');
    const text = gunzipSync(readFixture('webrtc-internals', 'standup2-chrome156.txt.gz')).toString('utf8');
    expect(text).toContain('192.0.2.2');
    const doc = JSON.parse(text);
    expect(obfuscateInternalsDocument(doc)).toBe(true);
    const out = JSON.stringify(doc);
    // UserAgentData's brand versions (`"version": "8.0.0.0"`) look like addresses; they stay.
    const versions = new Set([...text.matchAll(/"version": ?"([\d.]+)"/g)].map((m) => m[1]));
    const survivors = (out.match(IPV4) ?? []).filter((ip) => !['127.0.0.1', '0.0.0.0'].includes(ip) && !versions.has(ip));
    expect(survivors).toEqual([]);
    expect(out).toContain('192.0.2.x');
    // Still the same call to the decoder: as many events and samples as before.
    const before = collectDump((sink) => decodeDump(text, sink));
    const after = collectDump((sink) => decodeDump(out, sink));
    expect(after.events.length).toBe(before.events.length);
    expect(Object.values(after.stats).map((s) => s.length)).toEqual(Object.values(before.stats).map((s) => s.length));
  });
});
