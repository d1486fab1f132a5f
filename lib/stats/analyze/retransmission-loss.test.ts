/**
 * Receiver loss with retransmissions: inbound-rtp `packetsReceived` counts RTX packets too (NACK recoveries, and
 * bandwidth-probing padding sent as RTX), `retransmittedPacketsReceived` is the subset that is retransmitted, so
 * loss is Δlost / (Δlost + Δreceived − Δretransmitted). Counting RTX as received read the e2e lossy case c at
 * 3.7% where the relay dropped 4.8%.
 */

import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, readFixture } from '../../../test/helpers/fixtures';
import { connection, sample, T0 } from '../../../test/helpers/synthetic-dumps';
import { CollectingSink } from '../decode/collect';
import { decodeDump } from '../decode/detect';
import type { StatsReport, StatsSample } from '../model';
import { analyzeBuffer } from './analyze';
import { lossPct } from './loss';
import { SessionAnalyzer } from './session-analyzer';
import type { SessionAnalysis } from './types';

interface Counters {
  received: number;
  lost: number;
  /** Omitted: the report has no `retransmittedPacketsReceived`. */
  retransmitted?: number;
}

/** An inbound video stream (ssrc 7) and an outbound one (ssrc 8), one sample a second, with these cumulative counters. */
function videoSession(counters: Counters[]): StatsSample[] {
  return counters.map((c, i) => {
    const t = T0 + i * 1000;
    const inbound: StatsReport = {
      id: 'IT7',
      type: 'inbound-rtp',
      timestamp: t,
      kind: 'video',
      ssrc: 7,
      mid: '1',
      trackIdentifier: 'recv-video',
      bytesReceived: c.received * 1000,
      headerBytesReceived: c.received * 12,
      packetsReceived: c.received,
      packetsLost: c.lost,
      jitter: 0.005,
      ...(c.retransmitted === undefined ? {} : { retransmittedPacketsReceived: c.retransmitted }),
    };
    const outbound: StatsReport = {
      id: 'OT8',
      type: 'outbound-rtp',
      timestamp: t,
      kind: 'video',
      ssrc: 8,
      mid: '2',
      bytesSent: i * 100_000,
      headerBytesSent: i * 1200,
      packetsSent: i * 100,
      // A sender's retransmissions are another counter; nothing of it may leak into a sender's summary.
      retransmittedPacketsSent: i * 10,
    };
    return sample(t, inbound, outbound, ...connection(t, 0.05));
  });
}

function analyze(samples: StatsSample[]): SessionAnalysis {
  const analyzer = new SessionAnalyzer();
  for (const s of samples) analyzer.stats(s);
  return analyzer.result();
}

function inboundVideo(a: SessionAnalysis) {
  const track = a.tracks.find((t) => t.direction === 'inbound' && t.kind === 'video');
  if (!track) throw new Error('no inbound video track');
  return track;
}

describe('lossPct', () => {
  test('lost over lost + original packets (received − retransmitted, clamped at 0); null with nothing expected', () => {
    expect(lossPct(5, 100, 20)).toBeCloseTo((100 * 5) / 85, 12);
    expect(lossPct(5, 100, null)).toBeCloseTo((100 * 5) / 105, 12);
    expect(lossPct(5, 100)).toBe(lossPct(5, 100, 0));
    expect(lossPct(2, 10, 15)).toBe(100);
    expect(lossPct(0, 0, 0)).toBeNull();
    expect(lossPct(0, 10, 10)).toBeNull();
  });
});

describe('receiver loss with retransmissions (retransmittedPacketsReceived)', () => {
  test('per interval: Δlost / (Δlost + Δreceived − Δretransmitted); the summary keeps the retransmitted total', () => {
    // Each second 100 packets arrive; of them `rtx` are retransmissions; `lost` are lost.
    const perSecond = [
      { lost: 5, rtx: 20 }, // 5 / (5 + 80)   = 5.882 %
      { lost: 5, rtx: 0 }, //  5 / (5 + 100)  = 4.762 %
      { lost: 0, rtx: 40 }, // 0 / (0 + 60)   = 0 %
      { lost: 10, rtx: 50 }, // 10 / (10 + 50) = 16.667 %
    ];
    const counters: Counters[] = [{ received: 0, lost: 0, retransmitted: 0 }];
    for (const s of perSecond) {
      const last = counters[counters.length - 1];
      counters.push({
        received: last.received + 100,
        lost: last.lost + s.lost,
        retransmitted: (last.retransmitted ?? 0) + s.rtx,
      });
    }
    const a = analyze(videoSession(counters));
    const track = inboundVideo(a);
    const loss = track.series.values.packetLossPct ?? [];
    expect(loss).toHaveLength(5);
    expect(loss[0]).toBeNull();
    const want = [null, (100 * 5) / 85, (100 * 5) / 105, 0, (100 * 10) / 60];
    for (let i = 1; i < want.length; i++) expect(loss[i], `sample ${i}`).toBeCloseTo(want[i] as number, 9);
    // The old definition (RTX counted as received) gave 100·5/105 = 4.762 % for the first interval.
    expect(loss[1]).not.toBeCloseTo((100 * 5) / 105, 3);

    expect(track.summary).toMatchObject({ totalPackets: 400, packetsLost: 20, packetsRetransmitted: 110 });
    expect(track.summary.metrics.packetLossPct?.max).toBeCloseTo((100 * 10) / 60, 9);
    // The call's loss from the summary: 20 / (20 + 400 − 110).
    expect(lossPct(20, 400, track.summary.packetsRetransmitted)).toBeCloseTo((100 * 20) / 310, 9);
    // Senders: retransmissions they sent are not this figure.
    const sent = a.tracks.find((t) => t.direction === 'outbound');
    expect(sent?.summary.packetsRetransmitted).toBeNull();
    expect(sent?.summary.packetsLost).toBeNull();
  });

  test('the counter missing on either sample of an interval: the old formula there, and nothing added to the total', () => {
    const a = analyze(
      videoSession([
        { received: 0, lost: 0 },
        { received: 100, lost: 5 }, // no counter on either side: 5 / 105
        { received: 200, lost: 10, retransmitted: 30 }, // first report of the counter: 5 / 105
        { received: 300, lost: 15, retransmitted: 50 }, // 5 / (5 + 80)
        { received: 400, lost: 20 }, // dropped again: 5 / 105
      ]),
    );
    const track = inboundVideo(a);
    const loss = track.series.values.packetLossPct ?? [];
    const old = (100 * 5) / 105;
    expect(loss[0]).toBeNull();
    expect(loss[1]).toBeCloseTo(old, 9);
    expect(loss[2]).toBeCloseTo(old, 9);
    expect(loss[3]).toBeCloseTo((100 * 5) / 85, 9);
    expect(loss[4]).toBeCloseTo(old, 9);
    expect(track.summary.packetsRetransmitted).toBe(20);
  });

  test('more retransmitted than received in an interval: clamped, the interval is all loss', () => {
    const a = analyze(
      videoSession([
        { received: 0, lost: 0, retransmitted: 0 },
        { received: 10, lost: 2, retransmitted: 15 },
      ]),
    );
    expect(inboundVideo(a).series.values.packetLossPct?.[1]).toBe(100);
  });

  test('a stream that never reports the counter: packetsRetransmitted null, loss as before', () => {
    const a = analyze(
      videoSession([
        { received: 0, lost: 0 },
        { received: 100, lost: 5 },
        { received: 200, lost: 10 },
      ]),
    );
    const track = inboundVideo(a);
    expect(track.summary.packetsRetransmitted).toBeNull();
    expect(track.series.values.packetLossPct?.[2]).toBeCloseTo((100 * 5) / 105, 9);
  });
});

describe.skipIf(!HAVE_FIXTURES)(
  'chrome-relay fixture: Chrome 117 reports retransmittedPacketsReceived on inbound video',
  () => {
    if (!HAVE_FIXTURES) console.warn(`retransmission-loss: ${SKIP_FIXTURES_MESSAGE}`);

    test('summary packetsRetransmitted = last − first counter of each stream; per-interval loss from the raw counters', () => {
      const buffer = HAVE_FIXTURES ? readFixture('jitsi', 'chrome-relay.txt') : Buffer.alloc(0);
      const sink = new CollectingSink();
      decodeDump(buffer, sink);

      // Each inbound video stream's reports, in time order, straight from the dump.
      const streams = new Map<string, { pc: string; ssrc: number; reports: StatsReport[] }>();
      for (const [pc, samples] of Object.entries(sink.dump.stats)) {
        for (const s of samples) {
          for (const r of Object.values(s.reports)) {
            if (r.type !== 'inbound-rtp' || r.kind !== 'video') continue;
            const key = `${pc}:${r.ssrc}`;
            if (!streams.has(key)) streams.set(key, { pc, ssrc: r.ssrc as number, reports: [] });
            streams.get(key)?.reports.push(r);
          }
        }
      }
      const withRtx = [...streams.values()].filter((s) =>
        s.reports.some((r) => typeof r.retransmittedPacketsReceived === 'number'),
      );
      expect(withRtx.length, 'inbound video streams reporting retransmittedPacketsReceived').toBeGreaterThan(0);

      const a = analyzeBuffer(buffer);
      let checkedIntervals = 0;
      let differsFromOld = 0;
      for (const stream of withRtx) {
        const track = a.tracks.find((t) => t.pc === stream.pc && t.direction === 'inbound' && t.ssrc === stream.ssrc);
        expect(track, `${stream.pc} ${stream.ssrc}`).toBeDefined();
        if (!track) continue;
        const rtx = stream.reports
          .map((r) => r.retransmittedPacketsReceived)
          .filter((v): v is number => typeof v === 'number');
        const expected = rtx[rtx.length - 1] - rtx[0];
        expect(expected, 'the fixture retransmitted something').toBeGreaterThan(0);
        expect(track.summary.packetsRetransmitted, `${track.trackId} packetsRetransmitted`).toBe(expected);

        // Every interval with the counter on both reports: the series holds the new figure.
        const at = new Map(track.series.t.map((t, i) => [t, track.series.values.packetLossPct?.[i] ?? null]));
        for (let i = 1; i < stream.reports.length; i++) {
          const prev = stream.reports[i - 1];
          const cur = stream.reports[i];
          if (
            typeof prev.retransmittedPacketsReceived !== 'number' ||
            typeof cur.retransmittedPacketsReceived !== 'number'
          )
            continue;
          const dL = (cur.packetsLost as number) - (prev.packetsLost as number);
          const dP = (cur.packetsReceived as number) - (prev.packetsReceived as number);
          const dR = cur.retransmittedPacketsReceived - prev.retransmittedPacketsReceived;
          if (dL < 0 || dP < 0 || dR < 0 || dL + Math.max(0, dP - dR) === 0) continue;
          const want = (100 * dL) / (dL + Math.max(0, dP - dR));
          expect(at.get(cur.timestamp as number), `${track.trackId} at ${cur.timestamp}`).toBeCloseTo(want, 9);
          checkedIntervals++;
          if (dL > 0 && dR > 0) differsFromOld++;
        }
      }
      expect(checkedIntervals).toBeGreaterThan(0);
      expect(differsFromOld, 'intervals with loss and retransmissions').toBeGreaterThan(0);
    });
  },
);
