import { describe, expect, test } from 'vitest';
import type { StatsReport, TraceEvent } from '../model';
import { SessionAnalyzer } from './session-analyzer';
import { T0, sample, session } from '../../../test/helpers/synthetic-dumps';

const ev = (type: string, time: number, value: unknown, pc: string | null = 'PC_0', extra: unknown[] = []): TraceEvent => ({
  pc,
  type,
  time,
  value,
  extra,
});

describe('SessionAnalyzer: identity of tracks and connections from events and stats', () => {
  test('labels, screen share, msid and stream ids; configuration without credentials; event counts only', () => {
    const analyzer = new SessionAnalyzer({ session: 's1', user: 'u1', conference: 'room' });
    analyzer.metadata({ format: 'rtcstats', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15' });
    const events = [
      ev('create', T0 - 9000, { hardwareConcurrency: 8, deviceMemory: 8, screen: { width: 1512, height: 944, devicePixelRatio: 2 } }, null),
      ev('navigator.mediaDevices.getUserMedia', T0 - 8000, { audio: true }, null, ['60-0']),
      ev('navigator.mediaDevices.getUserMediaOnSuccess', T0 - 7900, [['audio', 'mic-1', 'MacBook Pro Microphone', 'stream-1']], null, ['60-0']),
      ev('navigator.mediaDevices.getDisplayMedia', T0 - 7000, { video: true }, null, ['63-0']),
      ev('navigator.mediaDevices.getDisplayMediaOnSuccess', T0 - 6000, [['video', 'screen-1', 'screen:0:0', 'stream-2']], null, ['63-0']),
      ev('create', T0 - 5000, {
        iceServers: [{ urls: 'turn:turn.example.com?transport=udp', username: 'alice', credential: 'secret' }],
        bundlePolicy: 'max-bundle',
        iceTransportPolicy: 'relay',
      }),
      ev('addTrack', T0 - 4900, ['audio', 'mic-1', 'MacBook Pro Microphone', 'stream-1']),
      ev('addTrack', T0 - 4800, ['video', 'screen-1', 'screen:0:0', 'stream-2']),
      ev('ontrack', T0 - 4000, ['video', 'recv-1', 'remote video', 'remote-stream']),
      ev('setLocalDescription', T0 - 3000, {
        type: 'offer',
        sdp: 'v=0\r\nm=audio 9 UDP 111\r\na=mid:0\r\na=msid:stream-1 mic-1\r\nm=video 9 UDP 96\r\na=mid:1\r\na=msid:stream-2 screen-1\r\n',
      }),
      ev('setRemoteDescription', T0 - 2000, {
        type: 'answer',
        sdp: 'v=0\r\nm=audio 9 UDP 111\r\na=mid:0\r\nm=video 9 UDP 96\r\na=mid:1\r\na=msid:remote-stream bob-cam\r\n',
      }),
      ev('oniceconnectionstatechange', T0 - 1000, 'connected'),
      ev('onconnectionstatechange', T0 - 900, '"connected"'), // webrtc-internals quotes states
    ];
    for (const e of events) analyzer.event(e);
    const samples = session(5, [
      { direction: 'outbound', kind: 'audio', ssrc: 11, trackIdentifier: 'mic-1', second: () => ({ bytes: 4000, packets: 50 }) },
      { direction: 'outbound', kind: 'video', ssrc: 12, trackIdentifier: 'screen-1', second: () => ({ bytes: 50_000, packets: 40 }) },
      { direction: 'inbound', kind: 'video', ssrc: 13, second: () => ({ bytes: 60_000, packets: 50 }) },
    ]);
    // The inbound video reports its receiver track and a relay pair over TLS.
    for (const s of samples) {
      const inbound = s.reports.IT13 as StatsReport;
      s.reports.IT13 = { ...inbound, trackIdentifier: 'recv-1' };
      s.reports.L1 = { ...s.reports.L1, candidateType: 'relay', relayProtocol: 'tls', protocol: 'udp', url: 'turns:turn.example.com:443?transport=tcp', address: '203.0.113.7' };
    }
    for (const s of samples) analyzer.stats(s);
    const a = analyzer.result();

    expect(a.identity).toEqual({ session: 's1', user: 'u1', conference: 'room' });
    expect(a.client).toMatchObject({
      browser: { name: 'Safari', version: '17.0' },
      os: { name: 'macOS' },
      hardwareConcurrency: 8,
      deviceMemory: 8,
      screen: { width: 1512, height: 944, devicePixelRatio: 2 },
    });
    expect(a.client.mediaRequests.map((r) => [r.kind, r.result, r.tracks.map((t) => t.label)])).toEqual([
      ['getUserMedia', 'success', ['MacBook Pro Microphone']],
      ['getDisplayMedia', 'success', ['screen:0:0']],
    ]);

    const byId = Object.fromEntries(a.tracks.map((t) => [t.trackId, t]));
    expect(byId['PC_0:outbound:audio:11']).toMatchObject({
      label: 'MacBook Pro Microphone',
      isScreen: false,
      trackIdentifier: 'mic-1',
      msid: { streamId: 'stream-1', trackId: 'mic-1' },
      streamIds: ['stream-1'],
    });
    expect(byId['PC_0:outbound:video:12']).toMatchObject({ label: 'screen:0:0', isScreen: true, msid: { trackId: 'screen-1' } });
    expect(byId['PC_0:inbound:video:13']).toMatchObject({
      label: 'remote video',
      isScreen: false,
      msid: { streamId: 'remote-stream', trackId: 'bob-cam' },
      streamIds: ['remote-stream'],
    });

    const pc = a.peerConnections[0];
    expect(pc.configuration).toEqual({
      iceServers: [{ urls: ['turn:turn.example.com?transport=udp'] }],
      iceTransportPolicy: 'relay',
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: null,
      sdpSemantics: null,
    });
    expect(JSON.stringify(a)).not.toContain('secret');
    expect(JSON.stringify(a)).not.toContain('"alice"');
    expect(pc.states.connection).toEqual([{ state: 'connected', time: T0 - 900 }]);
    expect(pc.states.dtls).toEqual([{ state: 'connected', time: T0 }]);
    expect(pc).toMatchObject({ usesRelay: true, relayProtocol: 'tls', usesTcp: true, iceFailed: false });
    expect(pc.selectedPair?.local).toMatchObject({ candidateType: 'relay', address: '203.0.113.7' });
    expect(pc.selectedPair?.remote).toMatchObject({ candidateType: 'srflx', address: null });
    expect(pc.series.values.rttMs?.slice(0, 2)).toEqual([50, 50]);
    expect(a.issues.map((i) => `${i.type}:${i.severity}`).sort()).toEqual(['relay:info', 'tcp:warning']);

    // Counts, not the log.
    expect(a.counts.events).toBe(events.length);
    expect(a.counts.eventsByType.addTrack).toBe(2);
    expect(pc.eventCounts.addTrack).toBe(2);
    expect(JSON.stringify(a)).not.toContain('a=mid');
  });

  test('inbound contentType screenshare marks a screen share; simulcast encodings keep rid/encodingIndex', () => {
    const analyzer = new SessionAnalyzer();
    for (let i = 0; i < 10; i++) {
      const t = T0 + i * 1000;
      const reports: StatsReport[] = [
        { id: 'IT1', type: 'inbound-rtp', timestamp: t, kind: 'video', ssrc: 1, contentType: 'screenshare', bytesReceived: i * 1000, packetsReceived: i * 10, packetsLost: 0 },
        { id: 'OT2', type: 'outbound-rtp', timestamp: t, kind: 'video', ssrc: 2, rid: 'q', encodingIndex: 0, active: false, bytesSent: 0, packetsSent: 0 },
        { id: 'OT3', type: 'outbound-rtp', timestamp: t, kind: 'video', ssrc: 3, rid: 'f', encodingIndex: 2, bytesSent: i * 9000, packetsSent: i * 9 },
      ];
      analyzer.stats(sample(t, ...reports));
    }
    const a = analyzer.result();
    expect(a.tracks.map((t) => [t.trackId, t.isScreen, t.rid, t.encodingIndex, t.active])).toEqual([
      ['PC_0:inbound:video:1', true, null, null, null],
      ['PC_0:outbound:video:2', false, 'q', 0, false],
      ['PC_0:outbound:video:3', false, 'f', 2, null],
    ]);
    // The disabled layer (10 s without a byte) is no "never carried media" problem.
    expect(a.tracks[1].summary.carriedMedia).toBe(false);
    expect(a.issues.filter((i) => i.type === 'no-media')).toEqual([]);
  });
});
