/**
 * Detected problems, in plain language, with the numbers behind them. Every threshold comes from
 * `THRESHOLDS` (thresholds.ts, documented in docs/thresholds.md).
 *
 * Time convention: a series value at t[i] describes the interval (t[i-1], t[i]], so an issue built from
 * samples i..j starts at t[i-1] and ends at t[j]. After a gap the series has an all-null row, so t[i-1] is
 * always a real sample time.
 */

import {
  ISSUE_CLOSE_AFTER_MS,
  ISSUE_CLOSE_MIN_SAMPLES,
  ISSUE_MIN_BAD_SHARE,
  STARTUP_FREEZE_MAX_MS,
  STARTUP_FREEZE_WINDOW_MS,
  THRESHOLDS,
  type Threshold,
} from './thresholds';
import type {
  ClientInfo,
  Issue,
  IssueType,
  PeerConnectionAnalysis,
  Series,
  Severity,
  TrackAnalysis,
} from './types';

export interface IssueInput {
  client: ClientInfo;
  peerConnections: PeerConnectionAnalysis[];
  tracks: TrackAnalysis[];
}

export function detectIssues(input: IssueInput): Issue[] {
  const issues: Issue[] = [];
  for (const track of input.tracks) trackIssues(track, input.tracks, issues);
  for (const pc of input.peerConnections) connectionIssues(pc, input.tracks, issues);
  mediaRequestIssues(input.client, issues);
  issues.sort((a, b) => a.start - b.start || severityRank(b.severity) - severityRank(a.severity));
  return issues;
}

/** How one sample interval counts toward a problem. */
export type Level = 'ok' | 'warning' | 'critical';

/**
 * A problem found by `episodes()`: rows `from`..`to` are its first and last bad samples (good ones may lie
 * between). `start` is the start of the first bad interval, `end` the last bad sample's time.
 */
export interface Episode {
  from: number;
  to: number;
  start: number;
  end: number;
  /** Summed intervals of the bad samples (ms): good time in between is not counted. */
  durationMs: number;
  /** Part of `durationMs` at critical level. */
  criticalMs: number;
  /** Bad samples in the episode. */
  samples: number;
}

/** An episode of one metric, with the figures of its bad samples. */
export interface Run extends Episode {
  max: number;
  min: number;
  avg: number;
}

/**
 * Why: a problem that holds most of the time is one problem, even when single samples dip below the line; and
 * a few scattered bad samples are not a problem at all. Hysteresis over sample intervals, O(n):
 * - `level(i)` says how the interval (t[i-1], t[i]] counts; a bad one opens an episode or continues it;
 * - an episode closes after `closeAfterMs` of consecutive not-bad time over ≥ ISSUE_CLOSE_MIN_SAMPLES samples;
 * - a bad sample after a not-bad stretch of ≥ ISSUE_CLOSE_MIN_SAMPLES samples continues the episode only if the
 *   episode, up to and including it, is still at least ISSUE_MIN_BAD_SHARE bad and `sustained(from, i)` holds
 *   (thresholdRuns: its mean is still beyond the warning level); otherwise the episode closes at its last bad
 *   sample and this one starts a new one (a single good sample is always bridged);
 * - an episode is kept when its bad time reaches `minDurationMs`.
 */
export function episodes(
  t: number[],
  level: (i: number) => Level,
  minDurationMs: number,
  closeAfterMs: number = ISSUE_CLOSE_AFTER_MS,
  sustained?: (from: number, to: number) => boolean,
): Episode[] {
  const out: Episode[] = [];
  let open: Episode | null = null;
  let quietMs = 0;
  let quietSamples = 0;
  const close = () => {
    if (open !== null && open.durationMs >= minDurationMs) out.push(open);
    open = null;
  };
  for (let i = 0; i < t.length; i++) {
    // The previous row is always a real sample (a gap shows as an all-null row), so the interval is real.
    const interval = i > 0 ? t[i] - t[i - 1] : 0;
    const l = level(i);
    if (l === 'ok') {
      if (open === null) continue;
      quietMs += interval;
      quietSamples++;
      if (quietMs >= closeAfterMs && quietSamples >= ISSUE_CLOSE_MIN_SAMPLES) close();
      continue;
    }
    if (
      open !== null &&
      quietSamples >= ISSUE_CLOSE_MIN_SAMPLES &&
      (open.durationMs + interval < ISSUE_MIN_BAD_SHARE * (t[i] - open.start) ||
        (sustained !== undefined && !sustained(open.from, i)))
    ) {
      close();
    }
    if (open === null) open = { from: i, to: i, start: t[i] - interval, end: t[i], durationMs: 0, criticalMs: 0, samples: 0 };
    open.to = i;
    open.end = t[i];
    open.durationMs += interval;
    if (l === 'critical') open.criticalMs += interval;
    open.samples++;
    quietMs = 0;
    quietSamples = 0;
  }
  close();
  return out;
}

/**
 * Episodes of samples beyond the warning level of `threshold` (see `episodes()`), with max/min/avg over their
 * bad samples. `gate(i)` can exclude samples (e.g. no media flowing): an excluded or null sample counts as
 * not bad.
 */
export function thresholdRuns(
  series: Series,
  metric: string,
  threshold: Threshold,
  gate?: (i: number) => boolean,
): Run[] {
  const col = series.values[metric];
  if (col === undefined) return [];
  const above = threshold.direction === 'above';
  const beyond = (v: number, level: number) => (above ? v >= level : v < level);
  const level = (i: number): Level => {
    const v = col[i];
    if (v === null || !beyond(v, threshold.warning) || (gate !== undefined && !gate(i))) return 'ok';
    return beyond(v, threshold.critical) ? 'critical' : 'warning';
  };
  // Time-weighted prefix sums over the samples that have a value (and pass the gate): the mean of any span in O(1).
  const t = series.t;
  const sumVt = new Float64Array(t.length + 1);
  const sumT = new Float64Array(t.length + 1);
  for (let i = 0; i < t.length; i++) {
    const v = col[i];
    const w = i > 0 && v !== null && (gate === undefined || gate(i)) ? t[i] - t[i - 1] : 0;
    sumVt[i + 1] = sumVt[i] + (w > 0 ? (v as number) * w : 0);
    sumT[i + 1] = sumT[i] + w;
  }
  const sustained = (from: number, to: number) => {
    const w = sumT[to + 1] - sumT[from];
    return w > 0 && beyond((sumVt[to + 1] - sumVt[from]) / w, threshold.warning);
  };
  return episodes(t, level, threshold.minDurationMs, ISSUE_CLOSE_AFTER_MS, sustained).map((e) => {
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    let sum = 0;
    for (let i = e.from; i <= e.to; i++) {
      const v = col[i];
      if (v === null || level(i) === 'ok') continue;
      if (v > max) max = v;
      if (v < min) min = v;
      sum += v;
    }
    return { ...e, max, min, avg: sum / e.samples };
  });
}

function runSeverity(run: Run, threshold: Threshold): Severity {
  const needed = Math.max(threshold.minDurationMs, 1);
  return run.criticalMs >= needed || (threshold.minDurationMs === 0 && run.criticalMs > 0) ? 'critical' : 'warning';
}

/** "for 42 s", or "for 42 s within 59 s" when good samples lie inside the issue (hysteresis bridged them). */
function howLong(run: Run): string {
  const span = run.end - run.start;
  return span > run.durationMs ? `for ${seconds(run.durationMs)} within ${seconds(span)}` : `for ${seconds(run.durationMs)}`;
}

function describeTrack(track: TrackAnalysis): string {
  const what = track.isScreen ? 'screen share' : track.kind;
  const dir = track.direction === 'inbound' ? 'received' : 'sent';
  return track.label ? `the ${dir} ${what} (${track.label})` : `the ${dir} ${what}`;
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function seconds(ms: number): string {
  return `${round(ms / 1000)} s`;
}

/**
 * True when media flowed in the interval ending at row i: payload bits, or packets when the dump has no byte
 * counters. Padding-only streams (probing) have packets but no payload, so payload decides when known.
 */
function flowing(track: TrackAnalysis): (i: number) => boolean {
  const bitrate = track.series.values.bitrate;
  const packets = track.series.values.packetsPerSecond;
  return (i) => {
    const b = bitrate?.[i];
    return b !== null && b !== undefined ? b > 0 : (packets?.[i] ?? 0) > 0;
  };
}

function trackIssues(track: TrackAnalysis, tracks: TrackAnalysis[], out: Issue[]): void {
  const base = { pc: track.pc, trackId: track.trackId };
  const who = describeTrack(track);
  const push = (type: IssueType, severity: Severity, start: number, end: number, message: string, evidence: Issue['evidence']) =>
    out.push({ type, severity, start, end, ...base, message, evidence });

  const metricRule = (
    type: IssueType,
    metric: string,
    threshold: Threshold,
    text: (run: Run) => string,
    gate?: (i: number) => boolean,
  ) => {
    for (const run of thresholdRuns(track.series, metric, threshold, gate)) {
      push(type, runSeverity(run, threshold), run.start, run.end, text(run), {
        metric,
        warning: threshold.warning,
        critical: threshold.critical,
        max: round(run.max, 2),
        min: round(run.min, 2),
        avg: round(run.avg, 2),
        durationMs: Math.round(run.durationMs),
        spanMs: Math.round(run.end - run.start),
      });
    }
  };

  const side = track.direction === 'inbound' ? 'as received' : 'as reported back by the other side';
  metricRule('packet-loss', 'packetLossPct', THRESHOLDS.packetLoss, (r) =>
    `Packet loss on ${who} ${side}: up to ${round(r.max)} % (average ${round(r.avg)} %) ${howLong(r)}.`,
  );
  metricRule('jitter', 'jitterMs', THRESHOLDS.jitter, (r) =>
    `High jitter on ${who}: up to ${Math.round(r.max)} ms (average ${Math.round(r.avg)} ms) ${howLong(r)}.`,
  );

  if (track.kind === 'video' && !track.isScreen) {
    metricRule(
      'low-frame-rate',
      'framesPerSecond',
      THRESHOLDS.frameRate,
      (r) => `Low frame rate on ${who}: down to ${round(r.min)} fps (average ${round(r.avg)} fps) ${howLong(r)}.`,
      flowing(track),
    );
  }
  if (track.direction === 'inbound' && track.kind === 'audio') {
    metricRule(
      'audio-concealment',
      'concealmentPct',
      THRESHOLDS.concealment,
      (r) =>
        `Choppy audio on ${who}: ${round(r.avg)} % of the audio was concealed (synthesised) on average, up to ${round(r.max)} %, ${howLong(r)}.`,
      flowing(track),
    );
  }
  if (track.direction === 'inbound' && track.kind === 'video') freezeIssues(track, who, push);
  if (track.direction === 'outbound') qualityLimitationIssues(track, who, push);

  noMediaIssue(track, tracks, who, push);
}

function noMediaIssue(track: TrackAnalysis, tracks: TrackAnalysis[], who: string, push: Push): void {
  const lifetime = track.lastTime - track.firstTime;
  const noMedia = THRESHOLDS.noMedia;
  if (track.summary.carriedMedia !== false || lifetime < noMedia.minDurationMs) return;
  if (track.direction === 'inbound') {
    push('no-media', 'info', track.firstTime, track.lastTime,
      `${capitalize(who)} never carried any media during its ${seconds(lifetime)} lifetime (the sender may be muted, or the stream is a placeholder).`,
      { durationMs: Math.round(lifetime), ssrc: track.ssrc });
    return;
  }
  // A switched-off or unused simulcast layer sends nothing on purpose while a sibling layer carries the media.
  const siblingSent = tracks.some(
    (t) => t !== track && t.pc === track.pc && t.direction === 'outbound' && t.kind === track.kind
      && t.mid === track.mid && t.summary.carriedMedia === true,
  );
  if (track.active === false || siblingSent) return;
  const severity: Severity = lifetime >= noMedia.critical * 1000 ? 'critical' : 'warning';
  push('no-media', severity, track.firstTime, track.lastTime,
    `${capitalize(who)} never carried any media during its ${seconds(lifetime)} lifetime.`,
    { durationMs: Math.round(lifetime), ssrc: track.ssrc });
}

type Push = (type: IssueType, severity: Severity, start: number, end: number, message: string, evidence: Issue['evidence']) => void;

/**
 * One issue per run of samples during which the receiver counted freezes. Why the start-up exemption: a
 * receiver often counts one freeze while its decoder starts (first key frame), which is not a stream failure.
 */
function freezeIssues(track: TrackAnalysis, who: string, push: Push): void {
  const counts = track.series.values.freezeCount;
  const durations = track.series.values.freezeDurationMs;
  if (counts === undefined) return;
  const t = track.series.t;
  const threshold = THRESHOLDS.freeze;
  const skipUntil = startupFreezeEnd(track);
  let from = -1;
  let freezes = 0;
  let frozenMs = 0;
  const close = (to: number) => {
    if (from < 0) return;
    const start = from > 0 ? t[from - 1] : t[from];
    if (frozenMs >= threshold.warning || freezes > 0) {
      const severity: Severity = frozenMs >= threshold.critical ? 'critical' : 'warning';
      push('freeze', severity, start, t[to],
        `${capitalize(who)} froze ${freezes} time${freezes === 1 ? '' : 's'}, ${seconds(frozenMs)} in total.`,
        { freezeCount: freezes, freezeDurationMs: Math.round(frozenMs), warning: threshold.warning, critical: threshold.critical });
    }
    from = -1;
    freezes = 0;
    frozenMs = 0;
  };
  for (let i = skipUntil + 1; i < t.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0) {
      if (from < 0) from = i;
      freezes += c;
      frozenMs += durations?.[i] ?? 0;
    } else if (from >= 0) {
      close(i - 1);
    }
  }
  if (from >= 0) close(t.length - 1);
}

/**
 * Why: decoder start-up freezes are not failures. Returns the last row of the start-up window (the samples
 * ending within STARTUP_FREEZE_WINDOW_MS of the interval that brought the first media) when the freezes counted
 * there total less than STARTUP_FREEZE_MAX_MS; -1 when there is nothing to exempt. A freeze whose duration is
 * not reported is never exempt.
 */
function startupFreezeEnd(track: TrackAnalysis): number {
  const t = track.series.t;
  const counts = track.series.values.freezeCount ?? [];
  const durations = track.series.values.freezeDurationMs;
  const hasMedia = flowing(track);
  let first = 1;
  while (first < t.length && !hasMedia(first)) first++;
  if (first >= t.length) return -1;
  const windowEnd = t[first - 1] + STARTUP_FREEZE_WINDOW_MS;
  let last = -1;
  let frozenMs = 0;
  for (let i = first; i < t.length && t[i] <= windowEnd; i++) {
    last = i;
    if ((counts[i] ?? 0) === 0) continue;
    const d = durations?.[i];
    if (d === null || d === undefined) return -1;
    frozenMs += d;
  }
  return frozenMs < STARTUP_FREEZE_MAX_MS ? last : -1;
}

function qualityLimitationIssues(track: TrackAnalysis, who: string, push: Push): void {
  for (const band of track.qualityLimitation) {
    const isCpu = band.value === 'cpu';
    if (!isCpu && band.value !== 'bandwidth') continue;
    const threshold = isCpu ? THRESHOLDS.cpuLimited : THRESHOLDS.bandwidthLimited;
    const duration = band.end - band.start;
    if (duration < threshold.minDurationMs) continue;
    const severity: Severity = duration >= threshold.critical * 1000 ? 'critical' : 'warning';
    const cause = isCpu
      ? 'the sending device’s CPU could not keep up'
      : 'the available upload bandwidth was too low';
    push(isCpu ? 'cpu-limited' : 'bandwidth-limited', severity, band.start, band.end,
      `${capitalize(who)} was reduced in quality for ${seconds(duration)} because ${cause}.`,
      { reason: band.value, durationMs: Math.round(duration), warningSeconds: threshold.warning, criticalSeconds: threshold.critical });
  }
}

function connectionIssues(pc: PeerConnectionAnalysis, tracks: TrackAnalysis[], out: Issue[]): void {
  const base = { pc: pc.pc, trackId: null };
  // Network RTT from the candidate pair; connections without it (old Firefox) fall back to RTCP RTT.
  let rttSeries: Series = pc.series;
  let rttTrack: string | null = null;
  if (!pc.series.values.rttMs?.some((v) => v !== null)) {
    const outbound = tracks.find((t) => t.pc === pc.pc && t.direction === 'outbound' && t.series.values.rttMs?.some((v) => v !== null));
    if (outbound !== undefined) {
      rttSeries = outbound.series;
      rttTrack = outbound.trackId;
    }
  }
  const rtt = THRESHOLDS.rtt;
  for (const run of thresholdRuns(rttSeries, 'rttMs', rtt)) {
    out.push({
      type: 'rtt', severity: runSeverity(run, rtt), start: run.start, end: run.end, pc: pc.pc, trackId: rttTrack,
      message: `High round-trip time on connection ${pc.pc}: up to ${Math.round(run.max)} ms (average ${Math.round(run.avg)} ms) ${howLong(run)}; conversation feels delayed.`,
      evidence: { metric: 'rttMs', warning: rtt.warning, critical: rtt.critical, max: round(run.max), avg: round(run.avg), durationMs: Math.round(run.durationMs), spanMs: Math.round(run.end - run.start) },
    });
  }

  if (pc.iceFailed && pc.iceFailedAt !== null) {
    const everConnected = pc.states.iceConnection.some((s) => s.state === 'connected' || s.state === 'completed')
      || pc.states.connection.some((s) => s.state === 'connected');
    const relayConfigured = pc.configuration?.iceServers.some((s) => s.urls.some((u) => u.startsWith('turn'))) ?? null;
    out.push({
      ...base, type: 'ice-failure', severity: 'critical', start: pc.iceFailedAt, end: pc.end,
      message: everConnected
        ? `Connection ${pc.pc} failed after having been connected: the network path was lost and not restored.`
        : `Connection ${pc.pc} never connected: ICE found no working network path${relayConfigured === false ? ' and no TURN server was configured' : ''}.`,
      evidence: {
        everConnected,
        relayConfigured,
        localCandidateTypes: pc.localCandidateTypes.join(',') || null,
        remoteCandidateTypes: pc.remoteCandidateTypes.join(',') || null,
      },
    });
  }

  disconnectionIssues(pc, out);

  if (pc.usesRelay) {
    const change = pc.selectedPairChanges.find((c) => c.pair.local?.candidateType === 'relay');
    out.push({
      ...base, type: 'relay', severity: 'info', start: change?.time ?? pc.start, end: pc.end,
      message: `Media of connection ${pc.pc} went through a TURN relay${pc.relayProtocol ? ` over ${pc.relayProtocol.toUpperCase()}` : ''}: usually a firewall or NAT blocks direct paths; it adds some delay.`,
      evidence: { relayProtocol: pc.relayProtocol, turnServer: change?.pair.local?.url ?? change?.pair.local?.address ?? null },
    });
  }
  if (pc.usesTcp) {
    const change = pc.selectedPairChanges.find(
      (c) => c.pair.local?.protocol === 'tcp' || c.pair.local?.relayProtocol === 'tcp' || c.pair.local?.relayProtocol === 'tls',
    );
    out.push({
      ...base, type: 'tcp', severity: 'warning', start: change?.time ?? pc.start, end: pc.end,
      message: `Media of connection ${pc.pc} went over TCP${pc.relayProtocol === 'tls' ? '/TLS' : ''}: UDP is blocked on this network, so any packet loss turns into delay and stalls.`,
      evidence: { relayProtocol: pc.relayProtocol, localProtocol: change?.pair.local?.protocol ?? null },
    });
  }
}

/**
 * One issue per outage. Outages that only followed the far end hanging up are not in `pc.disconnections`
 * (connection-state.ts); one that was already going on when the far end hung up ends there, and is judged by
 * how long it lasted, since nobody can tell whether it would have recovered.
 */
function disconnectionIssues(pc: PeerConnectionAnalysis, out: Issue[]): void {
  const disc = THRESHOLDS.disconnection;
  const hungUp = pc.remoteClosedAt ?? null;
  for (const d of pc.disconnections) {
    // An outage that ended in ICE failure is reported once, as the failure.
    if (d.end === null && pc.iceFailedAt !== null && pc.iceFailedAt >= d.start) continue;
    const endedByHangUp = d.end === null && hungUp !== null && hungUp >= d.start;
    const end = d.end ?? (endedByHangUp ? (hungUp as number) : pc.end);
    const duration = end - d.start;
    const lost = d.end === null && !endedByHangUp;
    const severity: Severity = lost || duration >= disc.critical * 1000 ? 'critical' : 'warning';
    out.push({
      type: 'disconnection', severity, start: d.start, end, pc: pc.pc, trackId: null,
      message: d.end !== null
        ? `Connection ${pc.pc} was interrupted for ${seconds(duration)} and then recovered.`
        : endedByHangUp
          ? `Connection ${pc.pc} was interrupted for ${seconds(duration)}; then the other side hung up.`
          : `Connection ${pc.pc} was interrupted and did not recover.`,
      evidence: { durationMs: Math.round(duration), recovered: d.end !== null, remoteHungUpAt: endedByHangUp ? hungUp : null },
    });
  }
}

function mediaRequestIssues(client: ClientInfo, out: Issue[]): void {
  client.mediaRequests.forEach((request, index) => {
    if (request.result !== 'failure') return;
    const recovered = client.mediaRequests.slice(index + 1).some((r) => r.kind === request.kind && r.result === 'success');
    const what = request.kind === 'getDisplayMedia' ? 'Screen sharing' : 'Camera/microphone access';
    out.push({
      type: 'media-error', severity: recovered ? 'warning' : 'critical', start: request.time, end: request.resultTime ?? request.time,
      pc: null, trackId: null,
      message: `${what} failed (${request.error ?? 'unknown error'})${recovered ? '; a later attempt succeeded' : ' and no later attempt succeeded'}.`,
      evidence: { kind: request.kind, error: request.error, recovered },
    });
  });
}

function severityRank(s: Severity): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
