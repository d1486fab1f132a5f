import { describe, expect, test } from 'vitest';
import {
  compressMethod,
  compressStatsProperty,
  decompressMethod,
  decompressStatsProperty,
  decompressStatsType,
  descriptionDecompression,
  isCompressedDescription,
  statsDecompression,
} from './rtcstats-compression';

describe('static tables (rtcstats-protocol.md §1.1.3)', () => {
  test('methods decompress, including decompression-only keys and the 65 quirk', () => {
    expect(decompressMethod('g')).toBe('getStats');
    expect(decompressMethod(1)).toBe('getStats');
    expect(decompressMethod(68)).toBe('navigator.mediaDevices.getDisplayMediaOnFailure');
    expect(decompressMethod(65)).toBe('navigator.mediaDevices.getUserMediaOnFailure');
    expect(decompressMethod(62)).toBe('62');
    expect(decompressMethod(3)).toBe('createOfferOnSuccess');
    expect(decompressMethod(80)).toBe('HTMLMediaElement.resize');
    expect(decompressMethod('websocket')).toBe('websocket');
    expect(decompressMethod(':userRating')).toBe(':userRating');
    expect(decompressMethod('constructor')).toBe('constructor');
  });

  test('every compressed method round-trips', () => {
    for (const name of ['createAnswerOnFailure', 'setRemoteDescriptionOnFailure', 'MediaStreamTrack.onunmute']) {
      expect(decompressMethod(compressMethod(name))).toBe(name);
    }
    expect(compressMethod('getStats')).toBe('g');
  });

  test('stats types and properties', () => {
    expect(decompressStatsType(2)).toBe('outbound-rtp');
    expect(decompressStatsType(6)).toBe('candidate-pair');
    expect(decompressStatsType(14)).toBe('codec');
    expect(decompressStatsType('compute-pressure')).toBe('compute-pressure');
    expect(decompressStatsProperty('t')).toBe('timestamp');
    expect(decompressStatsProperty('80')).toBe('bytesSent');
    expect(decompressStatsProperty('166')).toBe('issuerCertificateId');
    expect(decompressStatsProperty('167')).toBe('psnrMeasurements');
    expect(decompressStatsProperty('176')).toBe('ccfbMessagesReceived');
    // Commented out upstream: never renamed.
    expect(decompressStatsProperty('2')).toBe('2');
    expect(decompressStatsProperty('3')).toBe('3');
    expect(decompressStatsProperty('type')).toBe('type');
    expect(compressStatsProperty('selectedCandidatePairId')).toBe(125);
  });
});

describe('statsDecompression (§1.1.4 worked example)', () => {
  const poll1 = {
    '0': { '41': 200, '80': 100, '123': 'connected', '125': '1', type: 5 },
    '1': { '5': '0', '80': 90, '152': 0.05, type: 6 },
    '2': { '15': 0, '75': 0.04, type: 3, t: 800 },
    t: 1000.5,
  };
  const poll2 = { '0': { '80': 1100 }, '1': { '80': 990 }, '2': { '15': 1, t: 1800 }, t: 2000.5 };
  const poll3 = { '0': { '80': 2100 }, '1': { '80': 1990 }, '2': null, t: 3000.5 };

  test('poll1 expands names, types, ids and timestamps', () => {
    const s1 = statsDecompression({}, poll1);
    expect(s1['0']).toEqual({
      id: '0',
      type: 'transport',
      bytesReceived: 200,
      bytesSent: 100,
      dtlsState: 'connected',
      selectedCandidatePairId: '1',
      timestamp: 1000.5,
    });
    expect(s1['1']).toEqual({
      id: '1',
      type: 'candidate-pair',
      transportId: '0',
      bytesSent: 90,
      currentRoundTripTime: 0.05,
      timestamp: 1000.5,
    });
    // remote-inbound-rtp keeps its own (RTCP arrival) timestamp.
    expect(s1['2']).toEqual({ id: '2', type: 'remote-inbound-rtp', packetsLost: 0, roundTripTime: 0.04, timestamp: 800 });
    expect(Object.keys(s1).sort()).toEqual(['0', '1', '2']);
  });

  test('poll2 and poll3 merge deltas, take new timestamps and drop removed reports', () => {
    const s1 = statsDecompression({}, poll1);
    const s2 = statsDecompression(s1, poll2);
    expect(s2['0']).toMatchObject({ type: 'transport', bytesReceived: 200, bytesSent: 1100, timestamp: 2000.5 });
    expect(s2['1']).toMatchObject({ type: 'candidate-pair', bytesSent: 990, transportId: '0', timestamp: 2000.5 });
    expect(s2['2']).toMatchObject({ type: 'remote-inbound-rtp', packetsLost: 1, roundTripTime: 0.04, timestamp: 1800 });

    const s3 = statsDecompression(s2, poll3);
    expect(Object.keys(s3).sort()).toEqual(['0', '1']);
    expect(s3['0']).toMatchObject({ id: '0', bytesSent: 2100, bytesReceived: 200, dtlsState: 'connected', timestamp: 3000.5 });
    expect(s3['1']).toMatchObject({ bytesSent: 1990, currentRoundTripTime: 0.05, timestamp: 3000.5 });

    // Bases are never mutated (the decoder keeps them without cloning).
    expect(s1['0'].bytesSent).toBe(100);
    expect(s1['0'].timestamp).toBe(1000.5);
    expect(s2['2'].timestamp).toBe(1800);
  });

  test('an unchanged report is a copy with the new top-level timestamp', () => {
    const s1 = statsDecompression({}, poll1);
    const s2 = statsDecompression(s1, { '1': { '80': 5 }, t: 5000 });
    expect(s2['0']).toEqual({ ...s1['0'], timestamp: 5000 });
    expect(s2['0']).not.toBe(s1['0']);
    // A report with its own timestamp in base but absent from the delta takes the new top-level one.
    expect(s2['2'].timestamp).toBe(5000);
  });

  test('sub-objects merge key by key, arrays are replaced whole', () => {
    const base = statsDecompression({}, {
      '0': { type: 2, '96': { bandwidth: 1, cpu: 0, none: 5, other: 0 }, trackIds: ['a', 'b'] },
      t: 1,
    });
    const next = statsDecompression(base, { '0': { '96': { none: 6 }, trackIds: ['c'] }, t: 2 });
    expect(next['0'].qualityLimitationDurations).toEqual({ bandwidth: 1, cpu: 0, none: 6, other: 0 });
    expect(next['0'].trackIds).toEqual(['c']);
    expect(base['0'].qualityLimitationDurations).toEqual({ bandwidth: 1, cpu: 0, none: 5, other: 0 });
  });

  test('a delta without t keeps the base timestamps', () => {
    const base = statsDecompression({}, { '0': { type: 2, '80': 1 }, t: 10 });
    const next = statsDecompression(base, { '0': { '80': 2 } });
    expect(next['0']).toMatchObject({ bytesSent: 2, timestamp: 10 });
  });

  test('non-object entries are skipped and reported, not thrown', () => {
    const skipped: string[] = [];
    // JSON.parse makes `__proto__` an own key, as a hostile dump line would.
    const delta = JSON.parse('{"0": 5, "1": {"type": 1, "__proto__": {"x": 1}}, "__proto__": {"type": 2}, "t": 3}');
    const out = statsDecompression({}, delta, skipped);
    expect(Object.keys(out)).toEqual(['1']);
    expect(out['1']).toEqual({ id: '1', type: 'inbound-rtp', timestamp: 3 });
    expect(Object.getPrototypeOf(out['1'])).toBe(Object.prototype);
    expect(skipped).toEqual(['0', '__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('descriptionDecompression (§1.1.5)', () => {
  const offer = {
    type: 'offer',
    sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n',
  };

  test('placeholders take the base section at the same index', () => {
    const restored = descriptionDecompression(offer, { type: 'offer', sdp: 'v=\r\nm=\r\nm=\r\n' });
    expect(restored.sdp).toBe(offer.sdp);
    expect(isCompressedDescription(restored)).toBe(false);
  });

  test('only the changed section is sent', () => {
    const compressed = { type: 'offer', sdp: 'v=\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=inactive\r\nm=\r\n' };
    const restored = descriptionDecompression(offer, compressed);
    expect(restored.sdp).toBe(
      'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=inactive\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n',
    );
  });

  test('no base, another type or no sdp: unchanged', () => {
    const compressed = { type: 'answer', sdp: 'v=\r\nm=\r\n' };
    expect(descriptionDecompression(offer, compressed)).toBe(compressed);
    expect(descriptionDecompression(undefined, compressed)).toBe(compressed);
    expect(isCompressedDescription(compressed)).toBe(true);
    expect(isCompressedDescription(offer)).toBe(false);
  });
});
