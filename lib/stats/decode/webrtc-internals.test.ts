import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import type { DecodedDump, StatsReport } from '../model';
import { collectDump } from './collect';
import { decodeDump } from './detect';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, readFixture } from '../../../test/helpers/fixtures';
import { decodeWebrtcInternals, splitStatsKey } from './webrtc-internals';

/** standup2 ground truth (fixtures/README.md): the call ran around 1795322425000–1795322460000. */
const WINDOW = { from: 1795322420000, to: 1795322470000 };

let cached: DecodedDump | undefined;
function decodeFixture(): DecodedDump {
  cached ??= collectDump((sink) => decodeDump(readFixture('webrtc-internals', 'standup2-chrome156.txt.gz'), sink));
  return cached;
}

describe('webrtc-internals fixture standup2-chrome156.txt.gz', () => {
  test.skipIf(!HAVE_FIXTURES)(`yields both peer connections with metadata ${HAVE_FIXTURES ? '' : SKIP_FIXTURES_MESSAGE}`, () => {
    const dump = decodeFixture();
    expect(dump.warnings).toEqual([]);
    expect(dump.metadata.format).toBe('webrtc-internals');
    expect(dump.metadata.userAgent).toContain('HeadlessChrome/156');
    expect(dump.metadata.extra).toMatchObject({ hardwareConcurrency: 2, deviceMemory: 16 });
    expect(dump.metadata.startTime).toBe(1795322425497.397);
    expect(Object.keys(dump.stats).sort()).toEqual(['8-1', '9-1']);
    for (const pc of ['8-1', '9-1']) expect(dump.stats[pc]).toHaveLength(29);
  });

  test.skipIf(!HAVE_FIXTURES)('outbound-rtp bytesSent series are monotonic; timestamps are epoch ms', () => {
    const dump = decodeFixture();
    for (const pc of ['8-1', '9-1']) {
      const samples = dump.stats[pc];
      const outboundIds = Object.values(samples[0].reports)
        .filter((report) => report.type === 'outbound-rtp')
        .map((report) => report.id);
      expect(outboundIds).toHaveLength(2);
      for (const id of outboundIds) {
        const series = samples.map((sample) => sample.reports[id]).filter((report): report is StatsReport => !!report);
        expect(series).toHaveLength(29);
        for (let i = 1; i < series.length; i++) {
          expect(series[i].bytesSent as number).toBeGreaterThanOrEqual(series[i - 1].bytesSent as number);
          expect(series[i].timestamp).toBeGreaterThan(series[i - 1].timestamp);
        }
        expect(series[0].timestamp).toBeGreaterThan(WINDOW.from);
        expect(series[series.length - 1].timestamp).toBeLessThan(WINDOW.to);
        // ~1 s polls: ms, not seconds or microseconds.
        const spacing = (series[series.length - 1].timestamp - series[0].timestamp) / (series.length - 1);
        expect(spacing).toBeGreaterThan(900);
        expect(spacing).toBeLessThan(1100);
      }
      // First point of the audio sender as recorded in the dump.
      if (pc === '8-1') expect(samples[0].reports.OT01A3156419719).toMatchObject({ bytesSent: 2427, timestamp: 1795322428298.822 });
    }
  });

  test.skipIf(!HAVE_FIXTURES)('reports look like getStats results', () => {
    const sample = decodeFixture().stats['8-1'][10];
    expect(sample.time).toBe(sample.reports.P.timestamp);
    const video = sample.reports.OT01V4131209292;
    expect(video).toMatchObject({ id: 'OT01V4131209292', type: 'outbound-rtp', kind: 'video', ssrc: 4131209292, mid: '1' });
    expect(video.qualityLimitationDurations).toEqual(expect.objectContaining({ none: expect.any(Number) }));
    expect(sample.reports[video.codecId as string]).toMatchObject({ type: 'codec', mimeType: 'video/VP8' });
    expect(Object.keys(video).some((name) => name.startsWith('['))).toBe(false);
    for (const report of Object.values(sample.reports)) {
      expect(typeof report.type).toBe('string');
      expect(report.timestamp).toBeGreaterThan(WINDOW.from);
      expect(report.timestamp).toBeLessThanOrEqual(sample.time + 1);
    }
  });

  test.skipIf(!HAVE_FIXTURES)('remote-inbound-rtp (repeating RTCP times) lands on polls after its own time', () => {
    const samples = decodeFixture().stats['8-1'];
    const withRia = samples.filter((sample) => sample.reports.RIA3156419719);
    expect(withRia).toHaveLength(27);
    expect(withRia[withRia.length - 1]).toBe(samples[samples.length - 1]);
    for (const sample of withRia) expect(sample.reports.RIA3156419719.timestamp).toBeLessThanOrEqual(sample.time);
  });

  test.skipIf(!HAVE_FIXTURES)('updateLog and getUserMedia become events', () => {
    const dump = decodeFixture();
    const alice = dump.events.filter((event) => event.pc === '8-1');
    expect(alice[0]).toMatchObject({ type: 'create', value: { alwaysNegotiateDataChannels: false } });
    expect(alice.map((event) => event.type)).toEqual(
      expect.arrayContaining(['createOfferOnSuccess', 'setLocalDescription', 'setRemoteDescription', 'onicecandidate']),
    );
    const offer = alice.find((event) => event.type === 'setLocalDescription')?.value as { type: string; sdp: string };
    expect(offer.type).toBe('offer');
    expect(offer.sdp.startsWith('v=0\r\n')).toBe(true);
    expect(alice.filter((event) => event.type === 'onconnectionstatechange').map((event) => event.value)).toEqual([
      'connecting',
      'connected',
    ]);
    const gum = dump.events.filter((event) => event.pc === null);
    expect(gum.map((event) => event.type)).toEqual([
      'navigator.mediaDevices.getUserMedia',
      'navigator.mediaDevices.getUserMediaOnSuccess',
      'navigator.mediaDevices.getUserMedia',
      'navigator.mediaDevices.getUserMediaOnSuccess',
    ]);
    expect(gum[0]).toMatchObject({ time: 1795322425497.397, value: { audio: true, video: { width: { ideal: 640 } } }, extra: ['getUserMedia-8-19017-0'] });
    expect((gum[1].value as unknown[][])[0]).toEqual([
      'audio',
      '13e99321-3bcc-41de-aa5c-0c50f2b9c455',
      'Fake Default Audio Input',
      '4fbecb86-54ca-49f8-8a43-d7cd04e58b6a',
    ]);
  });
});

describe('webrtc-internals on synthetic dumps', () => {
  const series = (values: unknown[], start: number, end: number, statsType?: string) => ({
    startTime: new Date(start).toISOString(),
    endTime: new Date(end).toISOString(),
    ...(statsType ? { statsType } : {}),
    values: JSON.stringify(values),
  });

  test('old updateLog shape (locale time, text values, M86 states) and late-starting series', () => {
    const t = [1600000000000.5, 1600000001000.5, 1600000002000.5];
    const dump = {
      getUserMedia: [{ audio: '', origin: 'x', pid: 1, rid: 2, timestamp: 1599999999000 }],
      PeerConnections: {
        '2-1': {
          url: 'https://example.com',
          rtcConfiguration: '{ iceServers: [], sdpSemantics: "unified-plan" }',
          updateLog: [
            { time: '9/13/2020, 12:26:40 PM', type: 'signalingStateChange', value: 'SignalingStateHaveLocalOffer' },
            { time: '9/13/2020, 12:26:41 PM', type: 'setLocalDescription', value: 'type: offer, sdp: v=0\r\nm=audio 9\r\n' },
            { time: 'not a time', type: 'onIceCandidate', value: 'sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:1 1 udp 1 1.2.3.4 5 typ host' },
          ],
          stats: {
            'OT01V1-timestamp': series(t, t[0], t[2], 'outbound-rtp'),
            'OT01V1-bytesSent': series([10, 20, 30], t[0], t[2], 'outbound-rtp'),
            // Appears one tick late: aligned on startTime/endTime, not from the start.
            'OT01V1-targetBitrate': series([500, 600], t[1], t[2], 'outbound-rtp'),
            'OT01V1-mid': series([0, 0, 0], t[0], t[2], 'outbound-rtp'),
            'OT01V1-[bytesSent_in_bits/s]': series([80, 80], t[1], t[2], 'outbound-rtp'),
            'OT01V1-empty': {},
            'CIT01_111_minptime=10;useinbandfec=1-timestamp': series(t, t[0], t[2], 'codec'),
            'CIT01_111_minptime=10;useinbandfec=1-mimeType': series(['audio/opus', 'audio/opus', 'audio/opus'], t[0], t[2], 'codec'),
            'X-broken': { statsType: 'codec', values: '[1,2' },
          },
        },
      },
    };
    const decoded = collectDump((sink) => decodeWebrtcInternals(JSON.stringify(dump), sink));
    const events = decoded.events.filter((event) => event.pc === '2-1');
    expect(events.map((event) => event.type)).toEqual(['create', 'onsignalingstatechange', 'setLocalDescription', 'onicecandidate']);
    expect(events[0].value).toBe('{ iceServers: [], sdpSemantics: "unified-plan" }'); // not JSON: kept as text
    expect(events[1].value).toBe('have-local-offer');
    expect(events[2].value).toEqual({ type: 'offer', sdp: 'v=0\r\nm=audio 9\r\n' });
    expect(events[3].value).toEqual({ sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host' });
    expect(events[3].time).toBe(events[2].time);
    expect(decoded.warnings).toEqual([
      "2-1: updateLog onIceCandidate has no readable time, using the previous event's",
      '2-1: 1 stats series with unreadable values skipped',
    ]);

    expect(decoded.stats['2-1'].map((sample) => [sample.time, sample.reports.OT01V1])).toEqual([
      [t[0], { id: 'OT01V1', type: 'outbound-rtp', timestamp: t[0], bytesSent: 10, mid: '0' }],
      [t[1], { id: 'OT01V1', type: 'outbound-rtp', timestamp: t[1], bytesSent: 20, mid: '0', targetBitrate: 500 }],
      [t[2], { id: 'OT01V1', type: 'outbound-rtp', timestamp: t[2], bytesSent: 30, mid: '0', targetBitrate: 600 }],
    ]);
    expect(decoded.stats['2-1'][2].reports['CIT01_111_minptime=10;useinbandfec=1']).toMatchObject({ type: 'codec', mimeType: 'audio/opus' });
    expect(decoded.events[0]).toMatchObject({ pc: null, type: 'navigator.mediaDevices.getUserMedia', value: { audio: true } });
  });

  test('gzip input through decodeDump, and a truncated dump warns instead of throwing', () => {
    const text = JSON.stringify({ PeerConnections: { '1-1': { updateLog: [{ type: 'createOffer', value: '{}', timestamp: 5 }] } } });
    const whole = collectDump((sink) => decodeDump(gzipSync(text), sink));
    expect(whole.events.map((event) => event.type)).toEqual(['create', 'createOffer']);
    const cut = collectDump((sink) => decodeDump(text.slice(0, 30), sink));
    expect(cut.metadata.format).toBe('webrtc-internals');
    expect(cut.warnings[0]).toMatch(/not valid JSON/);
  });

  test('stats keys split on [ for computed metrics, else on the last dash', () => {
    expect(splitStatsKey('CIT01_111_minptime=10;useinbandfec=1-clockRate')).toEqual({ id: 'CIT01_111_minptime=10;useinbandfec=1', property: 'clockRate' });
    expect(splitStatsKey('IT01V1-[framesReceived-framesDecoded-framesDropped]')).toEqual({ id: 'IT01V1', property: '[framesReceived-framesDecoded-framesDropped]' });
    expect(splitStatsKey('CPa+b/c_d-bytesSent')).toEqual({ id: 'CPa+b/c_d', property: 'bytesSent' });
    expect(splitStatsKey('nodash')).toBeUndefined();
  });
});
