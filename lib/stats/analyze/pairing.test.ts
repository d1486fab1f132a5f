import { describe, expect, test } from 'vitest';
import type { StatsSample, TraceEvent } from '../model';
import { type ConferenceParticipant, pairConference } from './pairing';
import { SessionAnalyzer } from './session-analyzer';
import { type Second, T0, session } from '../../../test/helpers/synthetic-dumps';

function analyze(id: string, samples: StatsSample[], events: TraceEvent[] = []): ConferenceParticipant {
  const analyzer = new SessionAnalyzer({ session: id, user: id });
  analyzer.metadata({ format: 'rtcstats' });
  for (const e of events) analyzer.event(e);
  for (const s of samples) analyzer.stats(s);
  return { sessionId: id, analysis: analyzer.result() };
}

const SECONDS = 40;
const BAD_FROM = 20; // samples 20..30 carry the trouble
const BAD_TO = 30;
const bad = (i: number) => i >= BAD_FROM && i <= BAD_TO;

/** 1 Mbit/s of video: 125 kB in 100 packets per second. */
const video = (): Second => ({ bytes: 125_000, packets: 100 });
/** 40 kbit/s of audio: 5 kB in 50 packets per second. */
const audio = (): Second => ({ bytes: 5_000, packets: 50 });
/** What arrives when `share` of the packets are lost on the way. */
const lossy = (s: Second, share: number): Second => ({
  bytes: s.bytes * (1 - share),
  packets: s.packets * (1 - share),
  lost: s.packets * share,
});

const VIDEO_SSRC = 1001;
const AUDIO_SSRC = 1002;

function call(opts: {
  sent: (i: number) => Second;
  receivedVideo: (i: number) => Second;
  receivedAudio: (i: number) => Second;
}): ConferenceParticipant[] {
  const alice = analyze(
    'alice',
    session(SECONDS, [
      { direction: 'outbound', kind: 'video', ssrc: VIDEO_SSRC, second: opts.sent },
      { direction: 'outbound', kind: 'audio', ssrc: AUDIO_SSRC, second: audio },
    ]),
  );
  const bob = analyze(
    'bob',
    session(SECONDS, [
      { direction: 'inbound', kind: 'video', ssrc: VIDEO_SSRC, second: opts.receivedVideo },
      { direction: 'inbound', kind: 'audio', ssrc: AUDIO_SSRC, second: opts.receivedAudio },
    ]),
  );
  return [alice, bob];
}

function videoPair(participants: ConferenceParticipant[]) {
  const pairing = pairConference(participants);
  const pair = pairing.pairs.find((p) => p.kind === 'video');
  expect(pair?.method).toBe('ssrc');
  expect(pair?.outbound?.sessionId).toBe('alice');
  return pair;
}

describe('fault location in a two-party call (one path each way)', () => {
  test("Alice's encoder is bandwidth-limited and sends 300 kbit/s: congestion, but on one path either end could be it", () => {
    const limited = (i: number): Second =>
      bad(i) ? { bytes: 37_500, packets: 30, qualityLimitationReason: 'bandwidth' } : video();
    const pair = videoPair(call({ sent: limited, receivedVideo: limited, receivedAudio: audio }));
    expect(pair?.verdicts).toHaveLength(1);
    const v = pair?.verdicts[0];
    expect(v?.location).toBe('unknown');
    expect(v?.bitrateCause).toBe('congestion');
    expect(v?.couldBe).toEqual(['sender-uplink', 'receiver-downlink']);
    expect(v?.causes).toEqual(['bitrate-drop']);
    // The drop is seen from sample 20, i.e. during the second after t=19 s, until the last bad sample.
    expect(v?.start).toBe(T0 + (BAD_FROM - 1) * 1000);
    expect(v?.end).toBe(T0 + BAD_TO * 1000);
    expect(v?.evidence).toMatchObject({
      senderQualityLimitation: 'bandwidth',
      senderBitrateBefore: 1_000_000,
      senderBitrateDuring: 300_000,
      receiverBitrateDuring: 300_000,
    });
    expect(v?.message).toMatch(/on the path from alice to bob.*congested/);
  });

  test('Alice sends normally, Bob loses 20 % of the video only: on the path, not decidable with one path', () => {
    const pair = videoPair(
      call({ sent: video, receivedVideo: (i) => (bad(i) ? lossy(video(), 0.2) : video()), receivedAudio: audio }),
    );
    const v = pair?.verdicts.find((x) => x.causes.includes('packet-loss'));
    expect(v?.location).toBe('unknown');
    expect(v?.bitrateCause).toBeNull();
    expect(v?.evidence).toMatchObject({ receiverLossPct: 20, senderBitrateDuring: 1_000_000, receiverOtherStreams: 0 });
    expect(pair?.comparison?.deliveryRatio).toBeLessThan(1);
  });

  test("Bob's audio from the same sender degrades too: the same path, so no evidence of Bob's download", () => {
    const pair = videoPair(
      call({
        sent: video,
        receivedVideo: (i) => (bad(i) ? lossy(video(), 0.2) : video()),
        receivedAudio: (i) => (bad(i) ? lossy(audio(), 0.2) : audio()),
      }),
    );
    const v = pair?.verdicts.find((x) => x.causes.includes('packet-loss'));
    expect(v?.location).toBe('unknown');
    expect(v?.message).toContain('on the path from alice to bob');
    expect(v?.reasons.some((r) => /bob's other stream from alice \(audio\) shares this path/.test(r))).toBe(true);
    expect(v?.evidence).toMatchObject({ receiverOtherStreams: 0, senderCopiesElsewhere: 0 });
  });

  test('a healthy stream gets no verdict', () => {
    const pair = videoPair(call({ sent: video, receivedVideo: video, receivedAudio: audio }));
    expect(pair?.verdicts).toEqual([]);
    expect(pair?.comparison?.deliveryRatio).toBeCloseTo(1, 6);
  });
});

describe('pairing keys', () => {
  test('msid when the SFU rewrote the SSRC; null with a reason when nothing matches', () => {
    const alice = analyze(
      'alice',
      session(10, [{ direction: 'outbound', kind: 'video', ssrc: 5555, trackIdentifier: 'alice-cam', second: video }]),
    );
    const sdp = ['v=0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=msid:alice-stream alice-cam', 'a=ssrc:7777 cname:x', ''].join('\r\n');
    const bob = analyze(
      'bob',
      session(10, [
        { direction: 'inbound', kind: 'video', ssrc: 7777, mid: '1', second: video },
        { direction: 'inbound', kind: 'audio', ssrc: 8888, mid: '2', second: audio },
      ]),
      [{ pc: 'PC_0', type: 'setRemoteDescription', time: T0 - 100, value: { type: 'offer', sdp }, extra: [] }],
    );
    const pairing = pairConference([alice, bob]);
    const videoPairing = pairing.pairs.find((p) => p.kind === 'video');
    expect(videoPairing).toMatchObject({ method: 'msid', outbound: { sessionId: 'alice', trackId: 'PC_0:outbound:video:5555' } });
    const audioPairing = pairing.pairs.find((p) => p.kind === 'audio');
    expect(audioPairing?.outbound).toBeNull();
    expect(audioPairing?.method).toBeNull();
    expect(audioPairing?.reason).toMatch(/SSRC 8888/);
    expect(audioPairing?.verdicts).toEqual([]);
    expect(pairing.unreceived).toEqual([]);
  });
});
