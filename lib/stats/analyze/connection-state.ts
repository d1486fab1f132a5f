/**
 * One peer connection followed over time: configuration and state history from trace events, selected
 * candidate pair, DTLS state and the connection-level series (RTT, bandwidth estimate) from stats.
 */

import type { StatsReport, TraceEvent } from '../model';
import { SeriesBuilder } from './series';
import type {
  CandidateInfo,
  CandidatePairInfo,
  ConnectionConfiguration,
  ConnectionMetric,
  StateChange,
} from './types';
import { isObject, unquoteState } from '../decode/values';
import { asNumber, asString } from './values';

const CONNECTION_METRICS: readonly ConnectionMetric[] = [
  'rttMs',
  'availableOutgoingBitrate',
  'availableIncomingBitrate',
  'bitrateSent',
  'bitrateReceived',
];

type StateKind = 'signaling' | 'iceConnection' | 'connection' | 'iceGathering' | 'dtls';

/**
 * Event names of state changes across formats: rtcstats/Jitsi `on…statechange`, webrtc-internals of several
 * Chrome versions (`iceConnectionStateChange`, `iceconnectionstatechange`, `oniceconnectionstatechange`).
 */
const STATE_EVENTS: Record<string, StateKind> = {
  signalingstatechange: 'signaling',
  iceconnectionstatechange: 'iceConnection',
  connectionstatechange: 'connection',
  icegatheringstatechange: 'iceGathering',
  dtlsstatechange: 'dtls',
};

/** Events that carry an SDP, and which side it describes. */
const SDP_EVENTS: Record<string, 'local' | 'remote'> = {
  createOfferOnSuccess: 'local',
  createAnswerOnSuccess: 'local',
  setLocalDescription: 'local',
  setLocalDescriptionOnSuccess: 'local',
  setRemoteDescription: 'remote',
};

export class ConnectionState {
  readonly pc: string;
  readonly series = new SeriesBuilder<ConnectionMetric>(CONNECTION_METRICS);
  start = Number.POSITIVE_INFINITY;
  end = Number.NEGATIVE_INFINITY;
  closed = false;
  configuration: ConnectionConfiguration | null = null;
  readonly states: Record<StateKind, StateChange[]> = {
    signaling: [],
    iceConnection: [],
    connection: [],
    iceGathering: [],
    dtls: [],
  };
  readonly selectedPairChanges: { time: number; pair: CandidatePairInfo }[] = [];
  readonly localCandidateTypes = new Set<string>();
  readonly remoteCandidateTypes = new Set<string>();
  usesRelay = false;
  relayProtocol: string | null = null;
  usesTcp = false;
  /**
   * The far end closed the session: the DTLS transport went `closed` (a close_notify alert arrived) while this
   * side had not closed the connection. `earliest` is the previous stats sample when the state came from stats
   * (the close happened in (earliest, time]); the event time when it came from a `dtlsstatechange` event.
   */
  remoteClose: { time: number; earliest: number } | null = null;
  readonly eventCounts: Record<string, number> = {};
  statsSamples = 0;
  bytesSent = 0;
  bytesReceived = 0;

  private selectedPairKey: string | null = null;
  private selectedLocalId: string | null = null;
  private selectedRemoteId: string | null = null;
  private prevTime = Number.NaN;
  private prevBytesSent = Number.NaN;
  private prevBytesReceived = Number.NaN;
  private wasConnected = false;
  private dtlsConnected = false;
  private prevSampleTime = Number.NaN;
  /** Every outage as ICE/connection states show it; `disconnections`/`iceFailedAt` leave out the far end's hang-up. */
  private readonly outages: { start: number; end: number | null }[] = [];
  private failedAt: number | null = null;

  constructor(pc: string) {
    this.pc = pc;
  }

  /** Returns which SDP side an event carries (so the caller can parse it), or null. */
  event(ev: TraceEvent): 'local' | 'remote' | null {
    this.eventCounts[ev.type] = (this.eventCounts[ev.type] ?? 0) + 1;
    this.touch(ev.time);
    const type = ev.type;
    const lower = type.toLowerCase();
    const stateKind = STATE_EVENTS[lower.startsWith('on') ? lower.slice(2) : lower];
    if (stateKind !== undefined) {
      if (typeof ev.value === 'string') this.stateChange(stateKind, unquoteState(ev.value) as string, ev.time);
      return null;
    }
    switch (type) {
      case 'create':
      case 'setConfiguration':
        if (isObject(ev.value)) this.configuration = sanitizeConfiguration(ev.value);
        return null;
      case 'close':
        this.closed = true;
        return null;
      case 'onicecandidate':
      case 'icecandidate':
        this.candidateType(ev.value, this.localCandidateTypes);
        return null;
      case 'addIceCandidate':
        this.candidateType(ev.value, this.remoteCandidateTypes);
        return null;
    }
    return SDP_EVENTS[type] ?? null;
  }

  /** Handles the connection-level reports of one sample; returns the selected pair RTT (ms) for the tracks. */
  stats(
    time: number,
    reports: Record<string, StatsReport>,
    transports: StatsReport[],
    pairs: StatsReport[],
    gapMs: number,
  ): number | null {
    this.statsSamples++;
    this.touch(time);
    let transport: StatsReport | undefined = transports[0];
    for (let i = 0; i < transports.length; i++) {
      if (typeof transports[i].selectedCandidatePairId === 'string') {
        transport = transports[i];
        break;
      }
    }
    const pair = selectedPair(reports, transport, pairs);

    if (transport !== undefined) {
      const dtls = asString(transport.dtlsState);
      if (dtls !== null) this.stateChange('dtls', dtls, time, Number.isNaN(this.prevSampleTime) ? time : this.prevSampleTime);
    }
    this.prevSampleTime = time;
    if (pair !== null) this.pairSelected(pair, reports, time);

    const t = asNumber((transport ?? pair)?.timestamp) ?? time;
    const dt = t - this.prevTime;
    if (dt <= 0) return pairRtt(pair);
    this.series.addRow(t);
    const s = this.series;
    const rtt = pairRtt(pair);
    s.set('rttMs', rtt);
    if (pair !== null) {
      s.set('availableOutgoingBitrate', asNumber(pair.availableOutgoingBitrate));
      s.set('availableIncomingBitrate', asNumber(pair.availableIncomingBitrate));
    }
    // Byte counters come from the transport (they survive an ICE restart, the pair's do not).
    const source = transport !== undefined && asNumber(transport.bytesSent) !== null ? transport : pair;
    const sent = asNumber(source?.bytesSent) ?? Number.NaN;
    const received = asNumber(source?.bytesReceived) ?? Number.NaN;
    if (dt <= gapMs) {
      const dSent = sent - this.prevBytesSent;
      const dReceived = received - this.prevBytesReceived;
      if (dSent >= 0) {
        this.bytesSent += dSent;
        s.set('bitrateSent', (8000 * dSent) / dt);
      }
      if (dReceived >= 0) {
        this.bytesReceived += dReceived;
        s.set('bitrateReceived', (8000 * dReceived) / dt);
      }
    }
    this.prevTime = t;
    this.prevBytesSent = sent;
    this.prevBytesReceived = received;
    return rtt;
  }

  touch(time: number): void {
    if (time < this.start) this.start = time;
    if (time > this.end) this.end = time;
  }

  /**
   * ICE/connection went `disconnected` (or `failed` after being connected); `end` null when it never recovered.
   * Outages that began after the far end closed the session (`remoteClose`) are its hang-up, not a network
   * drop, and are left out; one already open then stays open (it never recovered: the call ended).
   */
  get disconnections(): { start: number; end: number | null }[] {
    const after = this.remoteClose?.earliest;
    return after === undefined ? this.outages : this.outages.filter((d) => d.start < after);
  }

  /** When ICE/the connection first failed; null when it failed only after the far end had closed the session. */
  get iceFailedAt(): number | null {
    const after = this.remoteClose?.earliest;
    return this.failedAt !== null && after !== undefined && this.failedAt >= after ? null : this.failedAt;
  }

  private stateChange(kind: StateKind, state: string, time: number, earliest = time): void {
    const history = this.states[kind];
    const last = history.length > 0 ? history[history.length - 1].state : null;
    if (last === state) return;
    // A DTLS transport never leaves `closed`/`failed`: a later `connected` is a stats report taken before the
    // `dtlsstatechange` event (seen in real Chromium dumps), not a new state.
    if (kind === 'dtls' && (last === 'closed' || last === 'failed')) return;
    history.push({ state, time });
    if (kind === 'dtls') {
      this.dtlsState(state, time, earliest);
      return;
    }
    if (kind !== 'iceConnection' && kind !== 'connection') return;
    if (state === 'connected' || state === 'completed') {
      this.wasConnected = true;
      const open = this.outages[this.outages.length - 1];
      if (open !== undefined && open.end === null) open.end = time;
    } else if ((state === 'disconnected' || state === 'failed') && this.wasConnected) {
      // Before the first connection there is nothing to lose: a failure then is an ICE failure only.
      const open = this.outages[this.outages.length - 1];
      // ICE and the connection state both report one outage: count it once.
      if (open === undefined || open.end !== null) this.outages.push({ start: time, end: null });
    }
    if (state === 'failed' && this.failedAt === null) this.failedAt = time;
  }

  /**
   * Why: DTLS `closed` before this side closed the connection means a close_notify arrived, i.e. the far end
   * called close() (hung up). A network drop never closes DTLS: it stays `connected` or goes `failed`.
   */
  private dtlsState(state: string, time: number, earliest: number): void {
    if (state === 'connected') this.dtlsConnected = true;
    else if (state === 'closed' && this.dtlsConnected && !this.closed && this.remoteClose === null) {
      this.remoteClose = { time, earliest };
    }
  }

  private pairSelected(pair: StatsReport, reports: Record<string, StatsReport>, time: number): void {
    const localId = asString(pair.localCandidateId);
    const remoteId = asString(pair.remoteCandidateId);
    // Same ids as last time: same key, without building the string every sample.
    if (this.selectedPairKey !== null && localId === this.selectedLocalId && remoteId === this.selectedRemoteId) return;
    this.selectedLocalId = localId;
    this.selectedRemoteId = remoteId;
    const key = `${localId}|${remoteId}`;
    if (key === this.selectedPairKey) return;
    this.selectedPairKey = key;
    const local = candidateInfo(localId, reports);
    const remote = candidateInfo(remoteId, reports);
    this.selectedPairChanges.push({ time, pair: { id: pair.id, local, remote } });
    if (local?.candidateType === 'relay') {
      this.usesRelay = true;
      this.relayProtocol = local.relayProtocol ?? this.relayProtocol;
      if (local.relayProtocol === 'tcp' || local.relayProtocol === 'tls') this.usesTcp = true;
    }
    if (local?.protocol === 'tcp') this.usesTcp = true;
    if (local?.candidateType) this.localCandidateTypes.add(local.candidateType);
    if (remote?.candidateType) this.remoteCandidateTypes.add(remote.candidateType);
  }

  private candidateType(value: unknown, into: Set<string>): void {
    const line = isObject(value) ? asString(value.candidate) : asString(value);
    if (line === null) return;
    const match = / typ (\w+)/.exec(line);
    if (match !== null) into.add(match[1]);
  }
}

/** The pair in use: transport.selectedCandidatePairId, else Firefox `selected`, else nominated+succeeded. */
function selectedPair(
  reports: Record<string, StatsReport>,
  transport: StatsReport | undefined,
  pairs: StatsReport[],
): StatsReport | null {
  const id = transport === undefined ? null : asString(transport.selectedCandidatePairId);
  if (id !== null) {
    const pair = reports[id];
    if (pair !== undefined) return pair;
  }
  let best: StatsReport | null = null;
  for (const pair of pairs) {
    if (pair.selected === true) return pair;
    if (pair.nominated === true && pair.state === 'succeeded') {
      if (best === null || (asNumber(pair.bytesSent) ?? 0) > (asNumber(best.bytesSent) ?? 0)) best = pair;
    }
  }
  return best;
}

function pairRtt(pair: StatsReport | null): number | null {
  const rtt = pair === null ? null : asNumber(pair.currentRoundTripTime);
  return rtt === null ? null : rtt * 1000;
}

function candidateInfo(id: string | null, reports: Record<string, StatsReport>): CandidateInfo | null {
  if (id === null) return null;
  const c = reports[id];
  if (c === undefined) return { id, candidateType: null, protocol: null, relayProtocol: null, networkType: null, url: null, address: null };
  const candidateType = asString(c.candidateType);
  return {
    id,
    candidateType,
    protocol: asString(c.protocol),
    relayProtocol: asString(c.relayProtocol),
    networkType: asString(c.networkType),
    url: asString(c.url),
    // Only relay addresses: they name the TURN server; host/srflx addresses are personal data.
    address: candidateType === 'relay' ? (asString(c.address) ?? asString(c.ip)) : null,
  };
}

/** Keeps what troubleshooting needs from an RTCConfiguration, never credentials. */
export function sanitizeConfiguration(config: Record<string, unknown>): ConnectionConfiguration {
  const servers = Array.isArray(config.iceServers) ? config.iceServers : [];
  return {
    iceServers: servers.filter(isObject).map((server) => {
      const urls = server.urls ?? server.url;
      return { urls: (Array.isArray(urls) ? urls : [urls]).filter((u): u is string => typeof u === 'string') };
    }),
    iceTransportPolicy: asString(config.iceTransportPolicy),
    bundlePolicy: asString(config.bundlePolicy),
    rtcpMuxPolicy: asString(config.rtcpMuxPolicy),
    sdpSemantics: asString(config.sdpSemantics),
  };
}
