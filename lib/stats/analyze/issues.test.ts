import { describe, expect, test } from 'vitest';
import type { TraceEvent } from '../model';
import { analyzeDecoded } from './analyze';
import { type Level, episodes, thresholdRuns } from './issues';
import { SessionAnalyzer } from './session-analyzer';
import { T0, audioStream, session } from '../../../test/helpers/synthetic-dumps';
import { ISSUE_CLOSE_AFTER_MS, STARTUP_FREEZE_MAX_MS, STARTUP_FREEZE_WINDOW_MS, THRESHOLDS } from './thresholds';
import type { SessionAnalysis } from './types';
import type { StatsSample } from '../model';

function analyze(samples: ReturnType<typeof audioStream>, events: TraceEvent[] = []): SessionAnalysis {
  const analyzer = new SessionAnalyzer();
  analyzer.metadata({ format: 'rtcstats' });
  for (const e of events) analyzer.event(e);
  for (const s of samples) analyzer.stats(s);
  return analyzer.result();
}

const ev = (type: string, time: number, value: unknown, pc: string | null = 'PC_0', extra: unknown[] = []): TraceEvent => ({
  pc,
  type,
  time,
  value,
  extra,
});

describe('issue detection', () => {
  test('a 5 s loss burst of 20 % is one critical packet-loss issue with the right start and end', () => {
    // Samples 11..15 each report 10 of 50 packets lost in the second before them: loss ran from t=10 s to t=15 s.
    const a = analyze(audioStream(30, (i) => (i >= 11 && i <= 15 ? 10 : 0)));
    const loss = a.issues.filter((i) => i.type === 'packet-loss');
    expect(loss).toHaveLength(1);
    expect(loss[0]).toMatchObject({
      severity: 'critical',
      start: T0 + 10_000,
      end: T0 + 15_000,
      pc: 'PC_0',
      trackId: 'PC_0:inbound:audio:1111',
    });
    expect(loss[0].evidence).toMatchObject({ max: 20, avg: 20, durationMs: 5000, warning: 3, critical: 10 });
    expect(loss[0].message).toMatch(/20 %/);
    // The MOS dips during the burst only.
    const mos = a.tracks[0].series.values.mos as (number | null)[];
    expect(mos[13]).toBeLessThan(mos[5] as number);
    expect(a.summary.verdict).toBe('poor');
  });

  test('6 % loss for 6 s is a warning; a 2 s burst is not an issue at all', () => {
    const warn = analyze(audioStream(30, (i) => (i >= 11 && i <= 16 ? 3 : 0)));
    expect(warn.issues.filter((i) => i.type === 'packet-loss').map((i) => [i.severity, i.start, i.end])).toEqual([
      ['warning', T0 + 10_000, T0 + 16_000],
    ]);
    const short = analyze(audioStream(30, (i) => (i >= 11 && i <= 12 ? 25 : 0)));
    expect(short.issues.filter((i) => i.type === 'packet-loss')).toEqual([]);
    expect(THRESHOLDS.packetLoss.minDurationMs).toBe(5000);
  });

  test('one good sample inside a burst does not split it into two issues', () => {
    const a = analyze(audioStream(30, (i) => ((i >= 11 && i <= 13) || (i >= 15 && i <= 17) ? 10 : 0)));
    const loss = a.issues.filter((i) => i.type === 'packet-loss');
    expect(loss.map((i) => [i.start, i.end, i.evidence.durationMs, i.evidence.avg])).toEqual([[T0 + 10_000, T0 + 17_000, 6000, 20]]);
  });

  test('ICE failure, a recovered disconnection and a getUserMedia error', () => {
    const a = analyze(audioStream(3), [
      ev('navigator.mediaDevices.getUserMedia', T0 - 5000, { audio: true }, null, ['60-0']),
      ev('navigator.mediaDevices.getUserMediaOnFailure', T0 - 4900, 'NotAllowedError: Permission denied', null, ['60-0']),
      ev('oniceconnectionstatechange', T0 - 1000, 'checking'),
      ev('oniceconnectionstatechange', T0 - 500, 'connected'),
      ev('oniceconnectionstatechange', T0 + 500, 'disconnected'),
      ev('oniceconnectionstatechange', T0 + 1500, 'connected'),
      ev('oniceconnectionstatechange', T0 + 1800, 'disconnected'),
      ev('oniceconnectionstatechange', T0 + 1900, 'failed'),
    ]);
    const types = a.issues.map((i) => `${i.type}:${i.severity}`);
    expect(types).toContain('media-error:critical');
    expect(types).toContain('ice-failure:critical');
    const disconnections = a.issues.filter((i) => i.type === 'disconnection');
    // The second outage ended in ICE failure: reported once, as the failure.
    expect(disconnections.map((d) => [d.severity, d.start, d.end])).toEqual([['warning', T0 + 500, T0 + 1500]]);
    expect(a.issues.find((i) => i.type === 'ice-failure')).toMatchObject({ start: T0 + 1900, pc: 'PC_0' });
    expect(a.peerConnections[0].disconnections).toEqual([
      { start: T0 + 500, end: T0 + 1500 },
      { start: T0 + 1800, end: null },
    ]);
    const gum = a.client.mediaRequests[0];
    expect(gum).toMatchObject({ result: 'failure', error: 'NotAllowedError: Permission denied', resultTime: T0 - 4900 });
  });

  test('a track that never carries media: warning when sent, info when received (the sender may be muted)', () => {
    const silent = (direction: 'inbound' | 'outbound') =>
      audioStream(10).map((s) => {
        const r = s.reports.IT01A;
        const report =
          direction === 'inbound'
            ? { ...r, bytesReceived: 0, packetsReceived: 0, headerBytesReceived: 0 }
            : { id: 'OT01A', type: 'outbound-rtp', timestamp: r.timestamp, kind: 'audio', ssrc: 2222, bytesSent: 0, packetsSent: 0 };
        const { IT01A: _, ...others } = s.reports;
        return { ...s, reports: { ...others, [report.id]: report } };
      });
    const sent = analyze(silent('outbound'));
    expect(sent.issues.map((i) => [i.type, i.severity, i.start, i.end])).toEqual([['no-media', 'warning', T0, T0 + 9000]]);
    expect(sent.summary.verdict).toBe('no-media');
    const received = analyze(silent('inbound'));
    expect(received.issues.map((i) => [i.type, i.severity])).toEqual([['no-media', 'info']]);
  });
});

/** Packets lost per second of a 50 packet/s stream under independent random loss (seeded LCG, reproducible). */
function bernoulliLoss(seconds: number, p: number, seed: number): number[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lost = [0];
  for (let i = 1; i <= seconds; i++) {
    let k = 0;
    for (let packet = 0; packet < 50; packet++) if (random() < p) k++;
    lost.push(k);
  }
  return lost;
}

const lossIssues = (a: SessionAnalysis) => a.issues.filter((i) => i.type === 'packet-loss');

describe('hysteresis: a problem opens after its min duration of bad time and closes after 10 s of good time', () => {
  test('a steady 5 % random loss over 60 s is ONE issue spanning it, though a third of the seconds dip below 3 %', () => {
    const lost = bernoulliLoss(60, 0.05, 5);
    const bad = lost.map((l, i) => i > 0 && l / 50 >= THRESHOLDS.packetLoss.warning / 100);
    // The pattern really has good stretches of several seconds (the old rule split the call there).
    expect(bad.map((b) => (b ? 'X' : '.')).join('')).toContain('....');
    const first = bad.indexOf(true);
    const last = bad.lastIndexOf(true);
    const loss = lossIssues(analyze(audioStream(61, (i) => lost[i])));
    expect(loss).toHaveLength(1);
    // Start and end are those of the first and last bad interval.
    expect(loss[0]).toMatchObject({ start: T0 + (first - 1) * 1000, end: T0 + last * 1000 });
    expect(loss[0].end - loss[0].start).toBeGreaterThan(55_000);
    // Only the bad seconds count as its duration; the average is theirs.
    expect(loss[0].evidence.durationMs).toBe(bad.filter(Boolean).length * 1000);
    expect(loss[0].evidence.spanMs).toBe(loss[0].end - loss[0].start);
    expect(loss[0].message).toMatch(/for \d+ s within \d+ s\.$/);
  });

  test('two bursts 30 s apart are two issues, each with its own start and end', () => {
    const burst = (i: number) => (i >= 11 && i <= 18) || (i >= 49 && i <= 56);
    const loss = lossIssues(analyze(audioStream(70, (i) => (burst(i) ? 10 : 0))));
    expect(loss.map((i) => [i.start, i.end])).toEqual([
      [T0 + 10_000, T0 + 18_000],
      [T0 + 48_000, T0 + 56_000],
    ]);
  });

  test('a good stretch shorter than 10 s is bridged; 10 s of good time closes the issue', () => {
    const pattern = (gap: number) => (i: number) => (i >= 11 && i <= 18) || (i >= 19 + gap && i <= 26 + gap) ? 10 : 0;
    const bridged = lossIssues(analyze(audioStream(60, pattern(6))));
    expect(bridged.map((i) => [i.start, i.end, i.evidence.durationMs])).toEqual([[T0 + 10_000, T0 + 32_000, 16_000]]);
    const closeAfter = ISSUE_CLOSE_AFTER_MS / 1000;
    expect(lossIssues(analyze(audioStream(60, pattern(closeAfter)))).length).toBe(2);
  });

  test('a single bad sample is never an issue, however bad', () => {
    expect(lossIssues(analyze(audioStream(30, (i) => (i === 12 ? 40 : 0))))).toEqual([]);
  });

  test('scattered bad seconds (one in four) do not add up to an issue', () => {
    // 15 bad seconds in 60, each 3 s from the next: more than the 5 s minimum in total, but never a sustained problem.
    expect(lossIssues(analyze(audioStream(61, (i) => (i % 4 === 0 ? 3 : 0))))).toEqual([]);
  });

  test('a burst does not run on into the scattered bad seconds after it', () => {
    // 8 s at 20 %, then a 4 % second every 6 s until the end of the call. The first two are bridged while the
    // issue stays at least half bad (at 30 s: 10 bad seconds of 20); the third would leave it mostly good.
    const lost = (i: number) => (i >= 11 && i <= 18 ? 10 : i >= 19 && i % 6 === 0 ? 2 : 0);
    const loss = lossIssues(analyze(audioStream(80, lost)));
    expect(loss.map((i) => [i.start, i.end, i.evidence.durationMs])).toEqual([[T0 + 10_000, T0 + 30_000, 10_000]]);
  });

  test('critical when the critical-level time reaches the min duration, as before', () => {
    // 8 bad seconds, 5 of them ≥ 10 %, spread over one issue with good seconds between.
    const lost = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 2, 0, 6, 2, 0, 6, 2, 6, 0, 6, 0, 0, 0];
    const loss = lossIssues(analyze(audioStream(lost.length, (i) => lost[i])));
    expect(loss.map((i) => [i.severity, i.start, i.end])).toEqual([['critical', T0 + 10_000, T0 + 21_000]]);
    const fewer = lost.map((l, i) => (i === 21 ? 2 : l));
    expect(lossIssues(analyze(audioStream(fewer.length, (i) => fewer[i])))[0].severity).toBe('warning');
  });

  test('episodes() is generic (custom closing time for other windows); null samples count as not bad', () => {
    const t = Array.from({ length: 40 }, (_, i) => i * 1000);
    const level = (i: number): Level => ((i >= 1 && i <= 6) || (i >= 9 && i <= 12) ? 'warning' : 'ok');
    expect(episodes(t, level, 5000).map((e) => [e.start, e.end, e.durationMs, e.samples])).toEqual([[0, 12_000, 10_000, 10]]);
    // A custom closing time (as pairing verdict windows may use): 2 s of good time already closes.
    expect(episodes(t, level, 0, 2000).map((e) => [e.start, e.end])).toEqual([[0, 6000], [8000, 12_000]]);
    // thresholdRuns treats null values as not bad.
    const values = t.map((_, i) => (i === 3 ? null : i >= 1 && i <= 8 ? 20 : 0));
    expect(thresholdRuns({ t, values: { packetLossPct: values } }, 'packetLossPct', THRESHOLDS.packetLoss)).toMatchObject([
      { start: 0, end: 8000, durationMs: 7000, max: 20, min: 20, avg: 20, samples: 7 },
    ]);
  });
});

/** Interleaves events and samples in time order (events first on ties), as a streaming decoder delivers them. */
function analyzeTimeline(samples: StatsSample[], events: TraceEvent[]): SessionAnalysis {
  return analyzeDecoded({ metadata: { format: 'rtcstats' }, events, stats: { PC_0: samples }, warnings: [] });
}

/** `audioStream` whose transport reports `dtlsState` from sample `from` on; inbound media stops at `stopAt`. */
function hangUpStream(count: number, dtlsClosedFrom: number | null, stopAt = count): StatsSample[] {
  return audioStream(count).map((s, i) => {
    const reports = { ...s.reports };
    if (dtlsClosedFrom !== null && i >= dtlsClosedFrom) reports.T01 = { ...reports.T01, dtlsState: 'closed' };
    if (i >= stopAt) {
      const frozen = audioStream(stopAt)[stopAt - 1].reports.IT01A;
      reports.IT01A = { ...frozen, timestamp: s.time };
    }
    return { ...s, reports };
  });
}

const connected = [
  ev('oniceconnectionstatechange', T0 - 1000, 'checking'),
  ev('oniceconnectionstatechange', T0 - 500, 'connected'),
  ev('onconnectionstatechange', T0 - 400, 'connected'),
];

describe('the other side hanging up is not a disconnection', () => {
  test('DTLS closed (close_notify) before ICE drops: no disconnection, no ICE failure, remoteClosedAt set', () => {
    // As in the real dumps: the far end closes at ~T0+20 s, the next sample shows DTLS `closed` and no more
    // inbound packets; here ICE also goes disconnected 4 s later, then failed, and this side closes 3 s after.
    const a = analyzeTimeline(hangUpStream(30, 21, 21), [
      ...connected,
      ev('oniceconnectionstatechange', T0 + 24_500, 'disconnected'),
      ev('onconnectionstatechange', T0 + 24_500, 'disconnected'),
      ev('onconnectionstatechange', T0 + 27_000, 'failed'),
      ev('close', T0 + 29_500, null),
    ]);
    const pc = a.peerConnections[0];
    expect(pc.remoteClosedAt).toBe(T0 + 21_000);
    expect(pc.states.dtls.map((s) => s.state)).toEqual(['connected', 'closed']);
    expect(pc.disconnections).toEqual([]);
    expect(pc.iceFailed).toBe(false);
    expect(a.issues.filter((i) => i.type === 'disconnection' || i.type === 'ice-failure')).toEqual([]);
    // The raw state history still shows what the browser reported.
    expect(pc.states.connection.map((s) => s.state)).toEqual(['connected', 'disconnected', 'failed']);
  });

  test('a dtlsstatechange event is exact; a stale `connected` stats report after it is ignored', () => {
    const a = analyzeTimeline(hangUpStream(30, 25), [
      ...connected,
      ev('ondtlsstatechange', T0 + 20_300, 'closed'),
      ev('oniceconnectionstatechange', T0 + 23_000, 'disconnected'),
      ev('close', T0 + 29_500, null),
    ]);
    const pc = a.peerConnections[0];
    expect(pc.remoteClosedAt).toBe(T0 + 20_300);
    expect(pc.states.dtls.map((s) => s.state)).toEqual(['connected', 'closed']);
    expect(a.issues.filter((i) => i.type === 'disconnection')).toEqual([]);
  });

  test('a real drop is still a disconnection, even when this side hangs up soon after', () => {
    // Same timeline without the close_notify: inbound media stops at once, ICE drops, the user gives up.
    const a = analyzeTimeline(hangUpStream(30, null, 21), [
      ...connected,
      ev('oniceconnectionstatechange', T0 + 24_500, 'disconnected'),
      ev('close', T0 + 29_500, null),
    ]);
    expect(a.peerConnections[0].remoteClosedAt).toBeNull();
    const disc = a.issues.filter((i) => i.type === 'disconnection');
    expect(disc.map((d) => [d.severity, d.start, d.evidence.recovered])).toEqual([['critical', T0 + 24_500, false]]);
    expect(disc[0].message).toMatch(/did not recover/);
  });

  test('an outage already going on when the far end hangs up is reported, up to the hang-up', () => {
    const a = analyzeTimeline(hangUpStream(30, null), [
      ...connected,
      ev('oniceconnectionstatechange', T0 + 15_000, 'disconnected'),
      ev('ondtlsstatechange', T0 + 18_000, 'closed'),
      ev('close', T0 + 29_500, null),
    ]);
    const disc = a.issues.filter((i) => i.type === 'disconnection');
    expect(disc.map((d) => [d.severity, d.start, d.end])).toEqual([['warning', T0 + 15_000, T0 + 18_000]]);
    expect(disc[0].message).toMatch(/then the other side hung up/);
  });

  test('DTLS closed after this side closed the connection is our own hang-up, not the far end’s', () => {
    const a = analyzeTimeline(hangUpStream(30, 21), [...connected, ev('close', T0 + 20_500, null)]);
    expect(a.peerConnections[0].remoteClosedAt).toBeNull();
  });
});

/** An inbound video stream polled every second; `freezeAt(i)` = freeze duration (ms) counted in the second before sample i. */
function videoWithFreezes(count: number, freezeAt: (i: number) => number, mediaFrom = 1): SessionAnalysis {
  const samples = session(count, [
    { direction: 'inbound', kind: 'video', ssrc: 3333, second: (i) => (i >= mediaFrom ? { bytes: 60_000, packets: 60 } : { bytes: 0, packets: 0 }) },
  ]);
  let freezes = 0;
  let frozen = 0;
  const withFreezes = samples.map((s, i) => {
    const d = i === 0 ? 0 : freezeAt(i);
    if (d > 0) {
      freezes++;
      frozen += d / 1000;
    }
    const r = s.reports.IT3333;
    return { ...s, reports: { ...s.reports, IT3333: { ...r, framesPerSecond: 30, freezeCount: freezes, totalFreezesDuration: frozen } } };
  });
  return analyze(withFreezes);
}

const freezes = (a: SessionAnalysis) => a.issues.filter((i) => i.type === 'freeze');

describe('start-up freezes', () => {
  test('one short freeze in the first seconds of the received video is not an issue', () => {
    expect(freezes(videoWithFreezes(30, (i) => (i === 2 ? 400 : 0)))).toEqual([]);
    // The window starts with the stream's first media, not with the first sample.
    expect(freezes(videoWithFreezes(30, (i) => (i === 12 ? 400 : 0), 10))).toEqual([]);
    expect(STARTUP_FREEZE_WINDOW_MS).toBe(5000);
  });

  test('the same freeze later in the call is an issue', () => {
    expect(freezes(videoWithFreezes(30, (i) => (i === 12 ? 400 : 0))).map((f) => [f.severity, f.start, f.end])).toEqual([
      ['warning', T0 + 11_000, T0 + 12_000],
    ]);
    // Just after the window (first media in (T0, T0+1 s], window to T0+6 s).
    expect(freezes(videoWithFreezes(30, (i) => (i === 7 ? 400 : 0)))).toHaveLength(1);
  });

  test('start-up freezes totalling 2 s or more are an issue', () => {
    const long = freezes(videoWithFreezes(30, (i) => (i === 2 || i === 4 ? STARTUP_FREEZE_MAX_MS / 2 : 0)));
    expect(long.map((f) => f.evidence.freezeDurationMs)).toEqual([1000, 1000]);
    expect(long).toHaveLength(2);
  });

  test('a start-up freeze is exempt but a later one still counts', () => {
    const a = videoWithFreezes(30, (i) => (i === 3 || i === 20 ? 300 : 0));
    expect(freezes(a).map((f) => f.start)).toEqual([T0 + 19_000]);
    // The summary still counts every freeze the receiver reported.
    expect(a.tracks[0].summary.freezeCount).toBe(2);
  });
});

describe('quality limitation (no real fixture has it, so synthetic)', () => {
  test('bandwidth-limited for 15 s is a warning, CPU-limited for 70 s is critical; a 5 s ramp-up is nothing', () => {
    const outbound = (reason: (i: number) => string) =>
      analyze(session(90, [{ direction: 'outbound', kind: 'video', ssrc: 4444, second: (i) => ({ bytes: 60_000, packets: 60, qualityLimitationReason: reason(i) }) }]));
    const bw = outbound((i) => (i >= 10 && i <= 25 ? 'bandwidth' : 'none'));
    expect(bw.issues.filter((i) => i.type === 'bandwidth-limited').map((i) => [i.severity, i.start, i.end])).toEqual([
      ['warning', T0 + 10_000, T0 + 25_000],
    ]);
    const cpu = outbound((i) => (i >= 10 && i <= 80 ? 'cpu' : 'none'));
    expect(cpu.issues.filter((i) => i.type === 'cpu-limited').map((i) => i.severity)).toEqual(['critical']);
    const rampUp = outbound((i) => (i >= 1 && i <= 5 ? 'bandwidth' : 'none'));
    expect(rampUp.issues.filter((i) => i.type === 'bandwidth-limited')).toEqual([]);
  });
});
