import { describe, expect, test } from 'vitest';
import type { DecodedDump, StatsReport, StatsSample } from '../model';
import { collectDump } from './collect';
import { decodeRtcstats, RtcstatsDecoder } from './rtcstats';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, readFixture } from '../../../test/helpers/fixtures';

/** Ground-truth windows from fixtures/README.md (epoch ms), with a few seconds of slack for setup and close. */
const STANDUP = { from: 1795322320000, to: 1795322390000 };
const STANDUP2 = { from: 1795322420000, to: 1795322470000 };
const FIXTURES = [
  { file: 'standup-alice.rtcstats', window: STANDUP },
  { file: 'standup-bob.rtcstats', window: STANDUP },
  { file: 'standup2-alice.rtcstats', window: STANDUP2 },
  { file: 'standup2-bob.rtcstats', window: STANDUP2 },
];

const cache = new Map<string, DecodedDump>();
function decodeFixture(file: string): DecodedDump {
  let dump = cache.get(file);
  if (!dump) {
    const bytes = readFixture('rtcstats-js', file);
    dump = collectDump((sink) => decodeRtcstats(bytes, sink));
    cache.set(file, dump);
  }
  return dump;
}

function reportsOfType(sample: StatsSample, type: string): StatsReport[] {
  return Object.values(sample.reports).filter((report) => report.type === type);
}

function outboundVideoSeries(samples: StatsSample[]): { time: number; bytesSent: number; ssrc: unknown }[] {
  const series = [];
  for (const sample of samples) {
    const video = reportsOfType(sample, 'outbound-rtp').find((report) => report.kind === 'video');
    if (video) series.push({ time: video.timestamp, bytesSent: video.bytesSent as number, ssrc: video.ssrc });
  }
  return series;
}

function countSections(sdp: string): number {
  return sdp.split('\r\nm=').length - 1;
}

describe.each(FIXTURES)('rtcstats-js fixture $file', ({ file, window }) => {
  test.skipIf(!HAVE_FIXTURES)(`decodes metadata, events and stats without warnings ${HAVE_FIXTURES ? '' : SKIP_FIXTURES_MESSAGE}`, () => {
    const dump = decodeFixture(file);
    expect(dump.warnings).toEqual([]);
    expect(dump.metadata).toMatchObject({ format: 'rtcstats', fileFormat: 3, clientProtocol: 'rtcstats#5.0' });
    expect(dump.metadata.userAgent).toContain('HeadlessChrome/156');
    expect(dump.metadata.startTime).toBeGreaterThan(window.from);

    expect(Object.keys(dump.stats)).toEqual(['PC_0']);
    expect(dump.stats.PC_0.length).toBeGreaterThan(20);
    const pcEvents = dump.events.filter((event) => event.pc === 'PC_0');
    expect(pcEvents.map((event) => event.type)).toEqual(
      expect.arrayContaining(['create', 'addTrack', 'setLocalDescription', 'setRemoteDescription', 'ontrack']),
    );
    // Client-level events keep pc null; the last line is the server's close frame.
    expect(dump.events.find((event) => event.type === 'navigator.mediaDevices.getUserMedia')?.pc).toBeNull();
    expect(dump.events.at(-1)).toMatchObject({ pc: null, type: 'close' });
    // No compressed method key survives.
    expect(dump.events.every((event) => typeof event.type === 'string' && !/^\d+$/.test(event.type))).toBe(true);
  });

  test.skipIf(!HAVE_FIXTURES)('absolute times sit in the ground-truth window and never go back', () => {
    const dump = decodeFixture(file);
    let previous = 0;
    for (const event of dump.events) {
      expect(event.time).toBeGreaterThanOrEqual(window.from);
      expect(event.time).toBeLessThanOrEqual(window.to);
      expect(event.time).toBeGreaterThanOrEqual(previous);
      previous = event.time;
    }
    for (const sample of dump.stats.PC_0) {
      expect(sample.time).toBeGreaterThanOrEqual(window.from);
      expect(sample.time).toBeLessThanOrEqual(window.to);
      for (const report of Object.values(sample.reports)) {
        expect(report.timestamp).toBeGreaterThan(window.from);
        expect(report.timestamp).toBeLessThan(window.to);
      }
    }
  });

  test.skipIf(!HAVE_FIXTURES)('reports are whole: full type strings, ids, names, resolvable ...Id references', () => {
    const dump = decodeFixture(file);
    const types = new Set<string>();
    for (const sample of dump.stats.PC_0) {
      for (const [id, report] of Object.entries(sample.reports)) {
        expect(report.id).toBe(id);
        expect(typeof report.type).toBe('string');
        types.add(report.type);
        for (const name of Object.keys(report)) expect(name).not.toMatch(/^\d+$/);
      }
      for (const outbound of reportsOfType(sample, 'outbound-rtp')) {
        expect(sample.reports[outbound.transportId as string]?.type).toBe('transport');
        expect(sample.reports[outbound.codecId as string]?.type).toBe('codec');
        expect(sample.reports[outbound.mediaSourceId as string]?.type).toBe('media-source');
      }
    }
    expect([...types]).toEqual(
      expect.arrayContaining([
        'outbound-rtp',
        'inbound-rtp',
        'remote-inbound-rtp',
        'candidate-pair',
        'local-candidate',
        'remote-candidate',
        'transport',
        'codec',
        'media-source',
      ]),
    );
    // Certificates are stripped by the client; nothing may stay compressed.
    expect(types.has('certificate')).toBe(false);
    expect([...types].some((type) => /^\d+$/.test(type))).toBe(false);
  });

  test.skipIf(!HAVE_FIXTURES)('outbound video bytesSent grows monotonically', () => {
    const series = outboundVideoSeries(decodeFixture(file).stats.PC_0);
    expect(series.length).toBeGreaterThan(10);
    for (let i = 1; i < series.length; i++) {
      expect(series[i].bytesSent).toBeGreaterThanOrEqual(series[i - 1].bytesSent);
      expect(series[i].time).toBeGreaterThan(series[i - 1].time);
      expect(series[i].ssrc).toBe(series[0].ssrc);
    }
    expect(series[series.length - 1].bytesSent).toBeGreaterThan(series[0].bytesSent + 100_000);
  });

  test.skipIf(!HAVE_FIXTURES)('SDPs in the event log are whole', () => {
    const dump = decodeFixture(file);
    const withSdp = dump.events.filter((event) =>
      ['createOfferOnSuccess', 'createAnswerOnSuccess', 'setLocalDescription', 'setRemoteDescription'].includes(event.type),
    );
    expect(withSdp.map((event) => event.type)).toEqual(expect.arrayContaining(['setLocalDescription', 'setRemoteDescription']));
    for (const event of withSdp) {
      const sdp = (event.value as { sdp: string }).sdp;
      expect(sdp.startsWith('v=0\r\n')).toBe(true);
      expect(sdp).toContain('\r\nm=audio ');
      expect(sdp).toContain('\r\nm=video ');
      expect(sdp).not.toMatch(/(^|\r\n)[vm]=\r\n/);
      expect(countSections(sdp)).toBe(2);
    }
    // The local description is exactly the offer/answer that was created (it was sent as placeholders only).
    const created = withSdp.find((event) => event.type.endsWith('OnSuccess'));
    const local = withSdp.find((event) => event.type === 'setLocalDescription');
    const sdpOf = (value: unknown) => (value as { sdp?: string } | undefined)?.sdp;
    expect(sdpOf(local?.value)).toBe(sdpOf(created?.value));
    expect(sdpOf(local?.value)).toMatch(/^v=0/);
  });

  test.skipIf(!HAVE_FIXTURES)('state values are bare strings', () => {
    const states = decodeFixture(file)
      .events.filter((event) => event.type === 'onconnectionstatechange')
      .map((event) => event.value);
    expect(states).toEqual(expect.arrayContaining(['connecting', 'connected']));
  });
});

describe('rtcstats-js fixtures against the README ground truth', () => {
  test.skipIf(!HAVE_FIXTURES)('standup: Alice video ~490 kbit/s before the 250 kbit/s cap, ~250 after; Bob receives that SSRC', () => {
    const cap = 1795322357453;
    const alice = outboundVideoSeries(decodeFixture('standup-alice.rtcstats').stats.PC_0);
    const rate = (from: number, to: number) => {
      const inside = alice.filter((point) => point.time >= from && point.time <= to);
      const first = inside[0];
      const last = inside[inside.length - 1];
      return ((last.bytesSent - first.bytesSent) * 8) / ((last.time - first.time) / 1000);
    };
    const before = rate(cap - 15_000, cap - 1_000);
    const after = rate(cap + 6_000, cap + 25_000);
    expect(before).toBeGreaterThan(380_000);
    expect(before).toBeLessThan(600_000);
    expect(after).toBeGreaterThan(180_000);
    expect(after).toBeLessThan(300_000);

    const bobInboundVideo = decodeFixture('standup-bob.rtcstats')
      .stats.PC_0.flatMap((sample) => reportsOfType(sample, 'inbound-rtp'))
      .filter((report) => report.kind === 'video');
    expect(bobInboundVideo.length).toBeGreaterThan(10);
    expect(bobInboundVideo.every((report) => report.ssrc === alice[0].ssrc)).toBe(true);
  });

  test.skipIf(!HAVE_FIXTURES)('standup: the setParameters call sits at the cap time', () => {
    const setParameters = decodeFixture('standup-alice.rtcstats').events.filter((event) => event.type === 'setParameters');
    expect(setParameters).toHaveLength(1);
    expect(Math.abs(setParameters[0].time - 1795322357453)).toBeLessThan(100);
    expect(JSON.stringify(setParameters[0].value)).toContain('"maxBitrate":250000');
  });

  test.skipIf(!HAVE_FIXTURES)('chunked streaming (random chunk sizes) equals whole-file decoding', () => {
    const bytes = readFixture('rtcstats-js', 'standup2-bob.rtcstats');
    const whole = collectDump((sink) => decodeRtcstats(bytes.toString('utf8'), sink));
    const streamed = collectDump((sink) => {
      const decoder = new RtcstatsDecoder(sink);
      let offset = 0;
      let seed = 7;
      while (offset < bytes.length) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const size = 1 + (seed % 3000);
        decoder.push(bytes.subarray(offset, offset + size));
        offset += size;
      }
      decoder.end();
    });
    expect(streamed).toEqual(whole);
    expect(whole.stats.PC_0.length).toBeGreaterThan(20);
  });
});

/** Builds a format-3 dump from frames. */
function dumpOf(...frames: unknown[][]): string {
  return ['RTCStatsDump', JSON.stringify({ fileFormat: 3, clientProtocol: 'rtcstats#5.0' }), ...frames.map((f) => JSON.stringify(f))].join('\n');
}

describe('RtcstatsDecoder on synthetic frames', () => {
  const offerSdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
  const answerSdp = 'v=0\r\no=- 9 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n';

  test('times are summed deltas; JSON-quoted states are unquoted; extras are kept', () => {
    const dump = collectDump((sink) =>
      decodeRtcstats(
        dumpOf(
          [39, null, { hardwareConcurrency: 8 }, 1760000000000],
          [60, null, { audio: true }, '60-0', 8],
          [25, 'PC_0', '"connected"', 2.5],
          [':userRating', null, { stars: 4 }, 10],
          ['close', null, 1005, 100],
        ),
        sink,
      ),
    );
    expect(dump.warnings).toEqual([]);
    expect(dump.events.map((event) => [event.pc, event.type, event.time, event.value, event.extra])).toEqual([
      [null, 'create', 1760000000000, { hardwareConcurrency: 8 }, []],
      [null, 'navigator.mediaDevices.getUserMedia', 1760000000008, { audio: true }, ['60-0']],
      ['PC_0', 'onconnectionstatechange', 1760000000010.5, 'connected', []],
      [null, ':userRating', 1760000000020.5, { stars: 4 }, []],
      [null, 'close', 1760000000120.5, 1005, []],
    ]);
    expect(dump.metadata).toEqual({ format: 'rtcstats', fileFormat: 3, clientProtocol: 'rtcstats#5.0' });
  });

  test('getStats per connection with the reason extra; each connection has its own base', () => {
    const dump = collectDump((sink) =>
      decodeRtcstats(
        dumpOf(
          [39, 'PC_0', null, 1000],
          ['g', 'PC_0', { '0': { '80': 10, type: 2, '11': 'video' }, t: 1500 }, 'connected-0', 500],
          ['g', 'PC_1', { '0': { '41': 7, type: 1 }, t: 1600 }, 100],
          [1, 'PC_0', { '0': { '80': 30 }, t: 2500 }, 1000],
        ),
        sink,
      ),
    );
    expect(dump.stats.PC_0.map((sample) => [sample.time, sample.reports['0']])).toEqual([
      [1500, { id: '0', type: 'outbound-rtp', kind: 'video', bytesSent: 10, timestamp: 1500 }],
      [2600, { id: '0', type: 'outbound-rtp', kind: 'video', bytesSent: 30, timestamp: 2500 }],
    ]);
    expect(dump.stats.PC_1[0].reports['0']).toEqual({ id: '0', type: 'inbound-rtp', bytesReceived: 7, timestamp: 1600 });
  });

  test('SDP: setLocalDescription from the created offer, setRemoteDescription from the previous remote', () => {
    const dump = collectDump((sink) =>
      decodeRtcstats(
        dumpOf(
          [3, 'PC_0', { type: 'offer', sdp: offerSdp }, '2-0', 1000],
          [6, 'PC_0', { type: 'offer', sdp: 'v=\r\nm=\r\n' }, '6-0', 1],
          [7, 'PC_0', null, '6-0', 1],
          [8, 'PC_0', { type: 'answer', sdp: answerSdp }, '8-0', 1],
          [9, 'PC_0', null, '8-0', 1],
          // Renegotiation: the remote answer changed only its media section; the session section is a placeholder.
          [8, 'PC_0', { type: 'answer', sdp: 'v=\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\n' }, '8-1', 1],
          [9, 'PC_0', null, '8-1', 1],
          // Implicit setLocalDescription: the OnSuccess carries the new local description against the previous one.
          [6, 'PC_0', null, '6-1', 1],
          [7, 'PC_0', { type: 'offer', sdp: 'v=\r\nm=\r\n' }, '6-1', 1],
        ),
        sink,
      ),
    );
    expect(dump.warnings).toEqual([]);
    const sdps = dump.events.map((event) => (event.value as { sdp?: string } | null)?.sdp ?? null);
    const v0 = 'v=0\r\no=- 9 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0';
    expect(sdps).toEqual([
      offerSdp,
      offerSdp,
      null,
      answerSdp,
      null,
      `${v0}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\n`,
      null,
      null,
      offerSdp,
    ]);
  });

  test('damage is skipped with line-numbered warnings and decoding goes on', () => {
    const text = [
      'RTCStatsDump',
      '{"fileFormat":3}',
      '[39,"PC_0",null,1000]',
      '[39,"PC_0",nul', // truncated line
      '{"not":"a frame"}',
      '["g","PC_0"]',
      '[6,"PC_0",{"type":"offer","sdp":"v=\\r\\nm=\\r\\n"},"6-0",1]', // no base for the placeholders
      '["g","PC_0",{"0":{"80":5},"t":1200},"x"]', // typeless: the first transmission is missing
      '[24,"PC_0","connected",5]',
    ].join('\n');
    const dump = collectDump((sink) => decodeRtcstats(text, sink));
    expect(dump.warnings).toEqual([
      'line 4: invalid JSON, skipped',
      'line 5: not a frame array, skipped',
      'line 6: frame has 2 elements (need ≥ 4), skipped',
      'line 7: setLocalDescription SDP could not be fully decompressed (its base is missing)',
      'line 8: time delta is not a number, skipped',
    ]);
    expect(dump.events.map((event) => [event.type, event.time])).toEqual([
      ['create', 1000],
      ['setLocalDescription', 1001],
      ['oniceconnectionstatechange', 1006],
    ]);
  });

  test('a typeless report is kept as type "unknown" with one warning', () => {
    const dump = collectDump((sink) =>
      decodeRtcstats(dumpOf(['g', 'PC_0', { '0': { '80': 5 }, t: 1200 }, 1000], ['g', 'PC_0', { '0': { '80': 6 } }, 1000]), sink),
    );
    expect(dump.stats.PC_0.map((sample) => sample.reports['0'])).toEqual([
      { id: '0', type: 'unknown', bytesSent: 5, timestamp: 1200 },
      { id: '0', type: 'unknown', bytesSent: 6, timestamp: 1200 },
    ]);
    expect(dump.warnings).toEqual(['line 3: PC_0 report 0 has no type (its first transmission is missing)']);
  });

  test('missing header and metadata still decode, with warnings', () => {
    const dump = collectDump((sink) => decodeRtcstats('[39,null,{},1000]\n[27,"PC_0",null,5]', sink));
    expect(dump.metadata.format).toBe('rtcstats');
    expect(dump.events.map((event) => event.time)).toEqual([1000, 1005]);
    expect(dump.warnings).toEqual(['line 1: missing RTCStatsDump header, decoding anyway', 'line 1: frame before any metadata line']);
  });

  test('an absolute time in the middle (reordered or reconnected client) resets instead of adding', () => {
    const dump = collectDump((sink) => decodeRtcstats(dumpOf([39, null, {}, 1760000000000], [27, 'PC_0', null, 1760000005000], [27, 'PC_0', null, 5]), sink));
    expect(dump.events.map((event) => event.time)).toEqual([1760000000000, 1760000005000, 1760000005005]);
    expect(dump.warnings).toHaveLength(1);
  });

  test('an empty input yields metadata and a warning', () => {
    const dump = collectDump((sink) => decodeRtcstats('', sink));
    expect(dump.metadata).toEqual({ format: 'rtcstats' });
    expect(dump.warnings).toEqual(['end of input: no metadata line and no frames']);
  });

  test('errors thrown by the sink propagate (they are not input damage)', () => {
    const decoder = new RtcstatsDecoder({
      metadata() {},
      event() {
        throw new Error('db down');
      },
      stats() {},
      warn() {},
    });
    decoder.pushLine('RTCStatsDump');
    decoder.pushLine('{"fileFormat":3}');
    expect(() => decoder.pushLine('[39,null,{},1000]')).toThrow('db down');
  });
});
