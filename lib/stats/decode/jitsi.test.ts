import { describe, expect, test } from 'vitest';
import type { DecodedDump, StatsReport } from '../model';
import { collectDump } from './collect';
import { decodeDump } from './detect';
import { decodeJitsi, JitsiDecoder, jitsiStatsDecompression } from './jitsi';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, readFixture } from '../../../test/helpers/fixtures';

const FIXTURES = [
  { file: 'chrome-relay.txt', browser: 'Chrome/' },
  { file: 'chrome-standard-pc-failed.txt', browser: 'Chrome/' },
  { file: 'chrome-standard-pc-reconnect.txt', browser: 'Chrome/' },
  { file: 'google-standard-stats-p2p.txt', browser: 'Chrome/' },
  { file: 'google-standard-stats-sfu.txt', browser: 'Chrome/' },
  { file: 'firefox-relay.txt', browser: 'Firefox/' },
  { file: 'firefox-standard-stats-sfu.txt', browser: 'Firefox/' },
  { file: 'safari-relay.txt', browser: 'Safari/' },
  { file: 'safari-standard-stats.txt', browser: 'Version/17' },
];

const cache = new Map<string, DecodedDump>();
function decodeFixture(file: string): DecodedDump {
  let dump = cache.get(file);
  if (!dump) {
    const bytes = readFixture('jitsi', file);
    dump = collectDump((sink) => decodeDump(bytes, sink));
    cache.set(file, dump);
  }
  return dump;
}

function allReports(dump: DecodedDump): StatsReport[] {
  return Object.values(dump.stats).flatMap((samples) => samples.flatMap((sample) => Object.values(sample.reports)));
}

function series(dump: DecodedDump, pc: string, id: string): StatsReport[] {
  return dump.stats[pc].map((sample) => sample.reports[id]).filter((report): report is StatsReport => !!report);
}

describe.each(FIXTURES)('Jitsi fixture $file', ({ file, browser }) => {
  test.skipIf(!HAVE_FIXTURES)(`decodes without warnings, with rtp stats ${HAVE_FIXTURES ? '' : SKIP_FIXTURES_MESSAGE}`, () => {
    const dump = decodeFixture(file);
    expect(dump.warnings).toEqual([]);
    expect(dump.metadata).toMatchObject({ format: 'jitsi', clientProtocol: '3.1_STANDARD', fileFormat: '3.1' });
    expect(dump.metadata.userAgent).toContain(browser);
    expect(dump.events.length).toBeGreaterThan(10);
    const reports = allReports(dump);
    const types = new Set(reports.map((report) => report.type));
    expect(types.has('inbound-rtp')).toBe(true);
    expect(types.has('outbound-rtp')).toBe(true);
    expect(types.has('unknown')).toBe(false);
    for (const [pc, samples] of Object.entries(dump.stats)) {
      expect(pc).toMatch(/^PC_\d+$/);
      for (let i = 0; i < samples.length; i++) {
        if (i > 0) expect(samples[i].time).toBeGreaterThanOrEqual(samples[i - 1].time);
        for (const [id, report] of Object.entries(samples[i].reports)) {
          expect(report.id).toBe(id);
          // Epoch ms: every 0 / missing timestamp was resolved.
          expect(report.timestamp).toBeGreaterThan(1.5e12);
          expect(report.timestamp).toBeLessThan(1.8e12);
        }
      }
    }
  });

  test.skipIf(!HAVE_FIXTURES)('identity fills user and conference', () => {
    const { metadata } = decodeFixture(file);
    expect(metadata.user).toMatch(/\S/);
    expect(metadata.conference).toMatch(/^[A-Za-z]+$/);
    expect(metadata.session).toMatch(/\S/);
  });
});

describe('Jitsi fixtures: values', () => {
  test.skipIf(!HAVE_FIXTURES)('chrome-relay identity mapping', () => {
    const { metadata, events } = decodeFixture('chrome-relay.txt');
    expect(metadata).toMatchObject({
      user: 'Annabel-7gE',
      conference: 'absentbreakdownspicturesame',
      session: '59e48073',
      startTime: 1697705722151,
      url: 'https://meet.jit.si//absentbreakdownspicturesame',
    });
    expect(metadata.extra).toMatchObject({
      meetingUniqueId: '49639dc4-6e5a-4efa-8507-8ffbef927485',
      confID: 'meet.jit.si/absentbreakdownspicturesame',
      statsFormat: 'chrome_standard',
    });
    expect(events.filter((event) => event.type === 'identity')).toHaveLength(2);
  });

  test.skipIf(!HAVE_FIXTURES)('older identity without endpointId: session from sessionId, conference from confName', () => {
    const { metadata } = decodeFixture('google-standard-stats-p2p.txt');
    expect(metadata).toMatchObject({ user: 'andrei-win-1', conference: 'fullmechanismslastimpolitely', session: '1605197553463' });
    expect(Object.keys(decodeFixture('google-standard-stats-p2p.txt').stats).sort()).toEqual(['PC_0', 'PC_1']);
  });

  test.skipIf(!HAVE_FIXTURES)('Firefox: timestamp 0 takes the entry timestamp; outbound video bytesSent grows', () => {
    const dump = decodeFixture('firefox-standard-stats-sfu.txt');
    const second = dump.stats.PC_0[1];
    // The entry's own time (client Date.now() when sent) is a few ms after the getStats top-level timestamp.
    expect(second.time).toBe(1605199360358);
    // Sent as {"timestamp":0, bytesReceived: 292249, ...}: merged over the base, timestamp from the entry.
    expect(second.reports.b1dd866a).toMatchObject({ type: 'candidate-pair', bytesReceived: 292249, timestamp: 1605199360356 });
    const outboundVideo = Object.values(second.reports).find((r) => r.type === 'outbound-rtp' && r.kind === 'video');
    expect(outboundVideo).toBeDefined();
    const points = series(dump, 'PC_0', outboundVideo?.id ?? '');
    expect(points.length).toBeGreaterThan(50);
    for (let i = 1; i < points.length; i++) expect(points[i].bytesSent as number).toBeGreaterThanOrEqual(points[i - 1].bytesSent as number);
    expect(points[points.length - 1].bytesSent as number).toBeGreaterThan(1_000_000);
    // Firefox reports remote-outbound-rtp and no transport stats (stats-and-dumps.md §2.10).
    const types = new Set(allReports(dump).map((report) => report.type));
    expect(types.has('remote-outbound-rtp')).toBe(true);
    expect(types.has('transport')).toBe(false);
  });

  test.skipIf(!HAVE_FIXTURES)('Safari: inbound video bytesReceived grows, deprecated track stats kept', () => {
    const dump = decodeFixture('safari-standard-stats.txt');
    const last = dump.stats.PC_0[dump.stats.PC_0.length - 1];
    const inboundVideo = Object.values(last.reports).filter((r) => r.type === 'inbound-rtp' && r.kind === 'video');
    const busiest = inboundVideo.sort((a, b) => (b.bytesReceived as number) - (a.bytesReceived as number))[0];
    expect(busiest.bytesReceived as number).toBeGreaterThan(100_000);
    const points = series(dump, 'PC_0', busiest.id);
    for (let i = 1; i < points.length; i++) {
      expect(points[i].bytesReceived as number).toBeGreaterThanOrEqual(points[i - 1].bytesReceived as number);
    }
    expect(Object.values(last.reports).some((r) => r.type === 'track')).toBe(true);
  });

  test.skipIf(!HAVE_FIXTURES)('chunked streaming equals whole-file decoding', () => {
    const bytes = readFixture('jitsi', 'firefox-relay.txt');
    const whole = collectDump((sink) => decodeJitsi(bytes.toString('utf8'), sink));
    const streamed = collectDump((sink) => {
      const decoder = new JitsiDecoder(sink);
      for (let offset = 0; offset < bytes.length; offset += 777) decoder.push(bytes.subarray(offset, offset + 777));
      decoder.end();
    });
    expect(streamed).toEqual(whole);
  });
});

describe('jitsiStatsDecompression', () => {
  test('timestamp 0 → entry timestamp, missing → base timestamp, absent → dropped, properties merged', () => {
    const first = jitsiStatsDecompression(
      {},
      {
        A: { timestamp: 0, type: 'outbound-rtp', bytesSent: 1, kind: 'video' },
        B: { timestamp: 900, type: 'remote-inbound-rtp', roundTripTime: 0.1 },
        C: { timestamp: 0, type: 'codec' },
        timestamp: 1000,
      },
    );
    expect(first).toEqual({
      A: { id: 'A', timestamp: 1000, type: 'outbound-rtp', bytesSent: 1, kind: 'video' },
      B: { id: 'B', timestamp: 900, type: 'remote-inbound-rtp', roundTripTime: 0.1 },
      C: { id: 'C', timestamp: 1000, type: 'codec' },
    });
    const second = jitsiStatsDecompression(first, { A: { timestamp: 0, bytesSent: 5 }, B: { roundTripTime: 0.2 }, timestamp: 2000 });
    expect(second).toEqual({
      A: { id: 'A', timestamp: 2000, type: 'outbound-rtp', bytesSent: 5, kind: 'video' },
      B: { id: 'B', timestamp: 900, type: 'remote-inbound-rtp', roundTripTime: 0.2 },
    });
    expect(first.A.bytesSent).toBe(1); // base untouched
  });

  test('old Firefox type names are normalized; Map-as-pairs values are accepted by the decoder', () => {
    const out = jitsiStatsDecompression({}, { X: { timestamp: 0, type: 'outboundrtp' }, timestamp: 5 });
    expect(out.X.type).toBe('outbound-rtp');
    const dump = collectDump((sink) =>
      decodeJitsi(
        [
          JSON.stringify(['connectionInfo', null, { clientProtocol: '3.1_STANDARD' }, 1]),
          JSON.stringify(['getstats', 'PC_0', [['R1', { type: 'inbound-rtp', timestamp: 7, bytesReceived: 3 }]], 10]),
        ].join('\n'),
        sink,
      ),
    );
    expect(dump.stats.PC_0[0].reports.R1).toEqual({ id: 'R1', type: 'inbound-rtp', timestamp: 7, bytesReceived: 3 });
  });

  test('damaged lines warn and are skipped', () => {
    const dump = collectDump((sink) =>
      decodeJitsi(
        [
          '["connectionInfo",null,{"userAgent":"UA"},1000]',
          '["onconnectionstatechange","PC_0","\\"connected\\"",1100]',
          '["getstats","PC_0",{"R":{"timestamp":0,"type":"inbound-rtp"},"timestamp":12',
          '{"type":"keepalive"}',
          '["getstats",null,{},1200]',
          '["ontrack","PC_0","audio:x",null]',
        ].join('\n'),
        sink,
      ),
    );
    expect(dump.events.map((event) => [event.type, event.value, event.time])).toEqual([['onconnectionstatechange', 'connected', 1100]]);
    expect(dump.warnings).toEqual([
      'line 3: invalid JSON, skipped',
      'line 4: not an entry array, skipped',
      'line 5: getstats without a connection id, skipped',
      'line 6: ontrack has no numeric timestamp, skipped',
    ]);
  });
});

describe("the server's closing line", () => {
  test('["close", null, code, ms] is ms after the last entry, not an epoch time (it made sessions start in 1970)', () => {
    const lines = [
      JSON.stringify(['connectionInfo', null, { path: '/room', userAgent: 'Mozilla/5.0 Chrome/150' }, 1_796_000_000_000]),
      JSON.stringify(['identity', null, { displayName: 'alice', confName: 'room' }, 1_796_000_000_100]),
      JSON.stringify(['close', 'PC_0', {}, 1_796_000_030_000]),
      JSON.stringify(['close', null, 3001, 26]),
    ].join('\n');
    const dump = collectDump((sink) => decodeJitsi(lines, sink));
    const close = dump.events.filter((e) => e.type === 'close');
    expect(close.map((e) => [e.pc, e.time])).toEqual([
      ['PC_0', 1_796_000_030_000],
      [null, 1_796_000_030_026],
    ]);
    expect(Math.min(...dump.events.map((e) => e.time))).toBeGreaterThan(1_700_000_000_000);
  });
});
