/**
 * Fault verdicts on synthetic mesh calls: every participant has one connection per other participant and sends
 * audio and video on each, so each verdict rule can be driven by exactly the impairment it names. The real
 * Chromium calls through a lossy relay are in e2e/lossy-network.spec.ts.
 */

import { describe, expect, test } from 'vitest';
import { type Second, session, T0 } from '../../../test/helpers/synthetic-dumps';
import type { StatsSample } from '../model';
import { type ConferenceParticipant, pairConference, type TrackPair } from './pairing';
import { SessionAnalyzer } from './session-analyzer';

const SECONDS = 60;

/** What happens on one direction of one connection in the second before sample i. */
interface Link {
  /** Share of packets lost on the way. */
  loss?: number;
  /** Share of the usual video bitrate the sender sends (its encoder's choice). */
  videoShare?: number;
  limitation?: string;
  /** The sender's bandwidth estimate on this connection (bits/s). */
  estimate?: number;
}

type Impair = (from: string, to: string, i: number) => Link;

const VIDEO_BYTES = 125_000; // 1 Mbit/s
const AUDIO_BYTES = 5_000; // 40 kbit/s

function ssrc(from: string, to: string, kind: 'audio' | 'video'): number {
  const code = (s: string) => s.charCodeAt(0);
  return code(from) * 10_000 + code(to) * 10 + (kind === 'audio' ? 1 : 2);
}

/** A 5 % loss that dips under the 3 % issue threshold every few seconds, as real random loss does. */
function noisy(i: number, share: number): number {
  return i % 7 === 3 || i % 11 === 5 ? share / 5 : share;
}

function mesh(parties: string[], impair: Impair = () => ({})): ConferenceParticipant[] {
  return parties.map((me) => {
    const analyzer = new SessionAnalyzer({ session: me, user: me });
    analyzer.metadata({ format: 'rtcstats' });
    const samples: StatsSample[] = [];
    for (const peer of parties) {
      if (peer === me) continue;
      const out = (kind: 'audio' | 'video') => (i: number): Second => {
        const link = impair(me, peer, i);
        const share = kind === 'video' ? (link.videoShare ?? 1) : 1;
        const bytes = (kind === 'video' ? VIDEO_BYTES : AUDIO_BYTES) * share;
        const packets = (kind === 'video' ? 100 : 50) * share;
        return { bytes, packets, qualityLimitationReason: link.limitation };
      };
      const got = (kind: 'audio' | 'video') => (i: number): Second => {
        const link = impair(peer, me, i);
        const share = kind === 'video' ? (link.videoShare ?? 1) : 1;
        const bytes = (kind === 'video' ? VIDEO_BYTES : AUDIO_BYTES) * share;
        const packets = (kind === 'video' ? 100 : 50) * share;
        const loss = link.loss ?? 0;
        return { bytes: bytes * (1 - loss), packets: Math.round(packets * (1 - loss)), lost: Math.round(packets * loss) };
      };
      samples.push(
        ...session(
          SECONDS,
          [
            { direction: 'outbound', kind: 'audio', ssrc: ssrc(me, peer, 'audio'), second: out('audio') },
            { direction: 'outbound', kind: 'video', ssrc: ssrc(me, peer, 'video'), second: out('video') },
            { direction: 'inbound', kind: 'audio', ssrc: ssrc(peer, me, 'audio'), second: got('audio') },
            { direction: 'inbound', kind: 'video', ssrc: ssrc(peer, me, 'video'), second: got('video') },
          ],
          T0,
          { pc: `PC_${peer}`, availableOutgoingBitrate: (i) => impair(me, peer, i).estimate ?? 2_500_000 },
        ),
      );
    }
    samples.sort((a, b) => a.time - b.time);
    for (const s of samples) analyzer.stats(s);
    return { sessionId: me, userId: me, analysis: analyzer.result() };
  });
}

function pair(pairs: TrackPair[], from: string, to: string, kind: 'audio' | 'video'): TrackPair {
  const found = pairs.find((p) => p.kind === kind && p.outbound?.userId === from && p.inbound.userId === to);
  if (!found) throw new Error(`no pair ${from} ${kind} → ${to}`);
  return found;
}

function verdictMap(pairs: TrackPair[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of pairs) out[`${p.outbound?.userId}>${p.inbound.userId}:${p.kind}`] = p.verdicts.map((v) => v.location);
  return out;
}

const whole = (i: number) => i >= 1;
const late = (i: number) => i >= 25;

describe('fault location from independent paths (synthetic mesh calls)', () => {
  test('two parties, 5 % loss alice → bob all call long: one verdict per stream, "on the path", the ends undecidable', () => {
    const { pairs } = pairConference(mesh(['alice', 'bob'], (from, _to, i) => (from === 'alice' && whole(i) ? { loss: noisy(i, 0.05) } : {})));
    for (const kind of ['audio', 'video'] as const) {
      const v = pair(pairs, 'alice', 'bob', kind).verdicts;
      expect(v, kind).toHaveLength(1);
      expect(v[0].location).toBe('unknown');
      expect(v[0].couldBe).toEqual(['sender-uplink', 'receiver-downlink']);
      expect(v[0].message).toContain('on the path from alice to bob');
      expect(v[0].message).toMatch(/third participant|SFU/);
      // One problem from the first lossy second to the last sample (hysteresis bridges the dips).
      expect(v[0].start).toBeLessThanOrEqual(T0 + 5_000);
      expect(v[0].end).toBeGreaterThanOrEqual(T0 + (SECONDS - 1) * 1000 - 5_000);
      expect(v[0].reasons.join(' ')).toMatch(/share[s]? this path: not independent evidence/);
      expect(pair(pairs, 'bob', 'alice', kind).verdicts).toEqual([]);
    }
  });

  test("three parties, 5 % loss on all alice sends: alice's upload on both receivers' copies", () => {
    const { pairs } = pairConference(mesh(['alice', 'bob', 'carol'], (from, _to, i) => (from === 'alice' && whole(i) ? { loss: noisy(i, 0.05) } : {})));
    const got = verdictMap(pairs);
    expect(got).toEqual({
      'alice>bob:audio': ['sender-uplink'],
      'alice>bob:video': ['sender-uplink'],
      'alice>carol:audio': ['sender-uplink'],
      'alice>carol:video': ['sender-uplink'],
      'bob>alice:audio': [],
      'bob>alice:video': [],
      'bob>carol:audio': [],
      'bob>carol:video': [],
      'carol>alice:audio': [],
      'carol>alice:video': [],
      'carol>bob:audio': [],
      'carol>bob:video': [],
    });
    const v = pair(pairs, 'alice', 'bob', 'video').verdicts[0];
    expect(v.message).toMatch(/alice's upload/);
    expect(v.evidence).toMatchObject({ senderCopiesElsewhere: 2, senderCopiesElsewhereDegraded: 2, receiverOtherStreams: 2, receiverOtherStreamsDegraded: 0 });
  });

  test("three parties, 5 % loss on all bob receives: bob's download on both incoming copies", () => {
    const { pairs } = pairConference(mesh(['alice', 'bob', 'carol'], (_from, to, i) => (to === 'bob' && whole(i) ? { loss: noisy(i, 0.05) } : {})));
    const got = verdictMap(pairs);
    for (const [key, locations] of Object.entries(got)) {
      expect(locations, key).toEqual(key.includes('>bob:') ? ['receiver-downlink'] : []);
    }
    expect(pair(pairs, 'carol', 'bob', 'audio').verdicts[0].message).toMatch(/bob's download/);
  });

  test('three parties, loss on alice → bob only: between them', () => {
    const { pairs } = pairConference(
      mesh(['alice', 'bob', 'carol'], (from, to, i) => (from === 'alice' && to === 'bob' && whole(i) ? { loss: 0.06 } : {})),
    );
    const got = verdictMap(pairs);
    for (const [key, locations] of Object.entries(got)) expect(locations, key).toEqual(key.startsWith('alice>bob:') ? ['between'] : []);
  });

  test("alice's upload congested from 25 s on: her estimate falls on both connections, the verdict says upload congestion", () => {
    const { pairs } = pairConference(
      mesh(['alice', 'bob', 'carol'], (from, _to, i) =>
        from === 'alice' && late(i) ? { videoShare: 0.12, limitation: 'bandwidth', estimate: 170_000 } : {},
      ),
    );
    for (const to of ['bob', 'carol']) {
      const v = pair(pairs, 'alice', to, 'video').verdicts;
      expect(v, to).toHaveLength(1);
      expect(v[0]).toMatchObject({ location: 'sender-uplink', bitrateCause: 'congestion' });
      expect(v[0].message).toMatch(/alice's upload is congested/);
      expect(v[0].evidence.senderAvailableOutgoingDuring).toBe(170_000);
      expect(v[0].reasons.join(' ')).toMatch(/available outgoing bitrate fell from 2\.5 Mbit\/s to 170 kbit\/s/);
      expect(v[0].start).toBe(T0 + 24_000);
    }
    for (const [key, locations] of Object.entries(verdictMap(pairs))) if (!key.startsWith('alice>') || key.endsWith('audio')) expect(locations, key).toEqual([]);
  });

  test('the same drop with the estimate still high: alice lowered it herself (a setting)', () => {
    const { pairs } = pairConference(
      mesh(['alice', 'bob', 'carol'], (from, _to, i) => (from === 'alice' && late(i) ? { videoShare: 0.12, limitation: 'bandwidth' } : {})),
    );
    for (const to of ['bob', 'carol']) {
      const v = pair(pairs, 'alice', to, 'video').verdicts;
      expect(v, to).toHaveLength(1);
      expect(v[0]).toMatchObject({ location: 'sender-device', bitrateCause: 'sender-setting' });
      expect(v[0].message).toMatch(/lowered it itself/);
    }
  });

  test('a CPU-limited encoder is the sending device', () => {
    const { pairs } = pairConference(
      mesh(['alice', 'bob'], (from, _to, i) => (from === 'alice' && late(i) ? { videoShare: 0.3, limitation: 'cpu' } : {})),
    );
    expect(pair(pairs, 'alice', 'bob', 'video').verdicts.map((v) => [v.location, v.bitrateCause])).toEqual([['sender-device', 'cpu']]);
  });

  test('congestion on the one connection of a two-party call cannot be pinned to either end', () => {
    const { pairs } = pairConference(
      mesh(['alice', 'bob'], (from, _to, i) => (from === 'alice' && late(i) ? { videoShare: 0.12, limitation: 'bandwidth', estimate: 170_000 } : {})),
    );
    const v = pair(pairs, 'alice', 'bob', 'video').verdicts;
    expect(v.map((x) => [x.location, x.bitrateCause])).toEqual([['unknown', 'congestion']]);
    expect(v[0].message).toMatch(/on the path from alice to bob.*congested/);
  });

  test("without the sender's dump the verdict says so", () => {
    const [, bob] = mesh(['alice', 'bob'], (from, _to, i) => (from === 'alice' && whole(i) ? { loss: 0.06 } : {}));
    const { pairs } = pairConference([bob]);
    const video = pairs.find((p) => p.kind === 'video');
    expect(video?.outbound).toBeNull();
    expect(video?.verdicts.map((v) => v.location)).toEqual(['unknown']);
    expect(video?.verdicts[0].message).toMatch(/sender's dump is missing/);
  });
});
