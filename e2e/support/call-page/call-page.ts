/**
 * Browser side of the test calls, bundled by e2e/support/jitsi-call.ts (esbuild, iife) together with the real
 * `@jitsi/rtcstats` client from npm. It wires the client the way jitsi-meet does (trace-ws + rtcstats with
 * `useLegacy: false`, identity with displayName/confName), *before* any getUserMedia or RTCPeerConnection, then
 * runs one peer connection per remote party (one for a two-party call, several in a mesh), all traced by the one
 * rtcstats trace, whose signaling the harness relays (non-trickle: candidates travel inside the SDP).
 */
import rtcstatsInit from '@jitsi/rtcstats/rtcstats';
import traceWs, { type JitsiTrace } from '@jitsi/rtcstats/trace-ws';
import {
  type CallPageApi,
  type CallPageInit,
  type CallPageStatus,
  type CallPageWindow,
  DEFAULT_PEER,
  type MediaCounters,
  type PeerCounters,
  type TraceCloseRecord,
} from './types';

let trace: JitsiTrace | null = null;
const pcs = new Map<string, RTCPeerConnection>();
let localStream: MediaStream | null = null;
const traceCloses: TraceCloseRecord[] = [];
const errors: string[] = [];

function log(line: string): void {
  const el = document.getElementById('log');
  if (el) el.textContent += `${new Date().toISOString()} ${line}\n`;
}

function requirePc(peer?: string): RTCPeerConnection {
  if (pcs.size === 0) throw new Error('call page not initialised');
  if (peer === undefined) {
    if (pcs.size > 1) throw new Error(`this page has ${pcs.size} peer connections: name the peer`);
    return [...pcs.values()][0];
  }
  const conn = pcs.get(peer);
  if (!conn) throw new Error(`no peer connection for ${peer} (have ${[...pcs.keys()].join(', ')})`);
  return conn;
}

function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => {
      try {
        if (check()) return resolve();
      } catch (err) {
        return reject(err);
      }
      if (Date.now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

/** Resolves when ICE gathering is complete, or after timeoutMs with whatever was gathered. */
function gathered(conn: RTCPeerConnection, timeoutMs: number): Promise<void> {
  return waitFor(() => conn.iceGatheringState === 'complete', timeoutMs, 'ICE gathering').catch(() => {
    log(`ICE gathering not complete after ${timeoutMs} ms; sending what was gathered`);
  });
}

function status(): CallPageStatus {
  const first = [...pcs.values()][0];
  return {
    connectionState: first?.connectionState ?? 'none',
    iceConnectionState: first?.iceConnectionState ?? 'none',
    peers: Object.fromEntries(
      [...pcs].map(([id, c]) => [id, { connectionState: c.connectionState, iceConnectionState: c.iceConnectionState }]),
    ),
    traceConnected: trace?.isConnected() ?? false,
    traceCloses: [...traceCloses],
    errors: [...errors],
  };
}

function remoteVideo(peer: string): HTMLVideoElement {
  const id = `remote-${peer}`;
  const existing = document.getElementById(id);
  if (existing instanceof HTMLVideoElement) return existing;
  const fixed = document.getElementById('remote');
  // The page's one `remote` element serves the first peer.
  if (fixed instanceof HTMLVideoElement && !fixed.dataset.peer) {
    fixed.dataset.peer = peer;
    fixed.id = id;
    return fixed;
  }
  const el = document.createElement('video');
  el.id = id;
  el.autoplay = true;
  el.muted = true;
  el.playsInline = true;
  document.getElementById('log')?.before(el);
  return el;
}

function createPc(peer: string, stream: MediaStream): RTCPeerConnection {
  // window.RTCPeerConnection is rtcstats' proxy from here on.
  const conn = new RTCPeerConnection({ iceServers: [] });
  pcs.set(peer, conn);
  for (const track of stream.getTracks()) conn.addTrack(track, stream);
  conn.addEventListener('track', (e) => {
    if (e.streams[0]) remoteVideo(peer).srcObject = e.streams[0];
  });
  conn.addEventListener('connectionstatechange', () => log(`${peer}: connection ${conn.connectionState}`));
  return conn;
}

async function peerCounters(conn: RTCPeerConnection): Promise<PeerCounters> {
  const c: PeerCounters = {
    connectionState: conn.connectionState,
    outAudioBytes: 0,
    outVideoBytes: 0,
    inAudioBytes: 0,
    inVideoBytes: 0,
    outVideoWidth: null,
    outVideoFps: null,
    outVideoLimitation: null,
    outVideoTargetBitrate: null,
    availableOutgoingBitrate: null,
    currentRoundTripTime: null,
    inVideoFramesDecoded: 0,
  };
  if (conn.signalingState === 'closed') return c;
  const report = await conn.getStats();
  report.forEach((s: Record<string, unknown>) => {
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    if (s.type === 'outbound-rtp') {
      if (s.kind === 'audio') c.outAudioBytes += num(s.bytesSent);
      if (s.kind === 'video') {
        c.outVideoBytes += num(s.bytesSent);
        if (typeof s.frameWidth === 'number') c.outVideoWidth = s.frameWidth;
        if (typeof s.framesPerSecond === 'number') c.outVideoFps = s.framesPerSecond;
        if (typeof s.qualityLimitationReason === 'string') c.outVideoLimitation = s.qualityLimitationReason;
        if (typeof s.targetBitrate === 'number') c.outVideoTargetBitrate = s.targetBitrate;
      }
    } else if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') {
      c.availableOutgoingBitrate = s.availableOutgoingBitrate;
      if (typeof s.currentRoundTripTime === 'number') c.currentRoundTripTime = s.currentRoundTripTime;
    } else if (s.type === 'inbound-rtp') {
      if (s.kind === 'audio') c.inAudioBytes += num(s.bytesReceived);
      if (s.kind === 'video') {
        c.inVideoBytes += num(s.bytesReceived);
        c.inVideoFramesDecoded += num(s.framesDecoded);
      }
    }
  });
  return c;
}

const api: CallPageApi = {
  async init(opts: CallPageInit) {
    if (trace) throw new Error('call page already initialised');
    const who = document.getElementById('who');
    if (who) who.textContent = `${opts.user} in ${opts.conference}`;
    trace = traceWs({
      endpoint: opts.endpoint,
      meetingFqn: opts.meetingFqn,
      onCloseCallback: ({ code, reason }) => {
        traceCloses.push({ code, reason, at: Date.now() });
        log(`rtcstats socket closed ${code} ${reason}`);
      },
      useLegacy: false,
      pingInterval: opts.pingIntervalMs,
    });
    rtcstatsInit(
      { statsEntry: trace.statsEntry },
      { pollInterval: opts.pollIntervalMs, useLegacy: false, sendSdp: opts.sendSdp },
    );
    trace.connect(false);
    trace.identity('identity', null, {
      displayName: opts.user,
      confName: opts.conference,
      endpointId: `${opts.user}-${Math.random().toString(16).slice(2, 10)}`,
      applicationName: 'callscope-e2e',
    });

    const video = opts.video ?? { width: 640, height: 480, frameRate: 30 };
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: { ideal: video.width }, height: { ideal: video.height }, frameRate: { ideal: video.frameRate } },
    });
    localStream = stream;
    const local = document.getElementById('local');
    if (local instanceof HTMLVideoElement) local.srcObject = stream;

    const peers = opts.peers && opts.peers.length > 0 ? opts.peers : [DEFAULT_PEER];
    for (const peer of peers) createPc(peer, stream);
    log(`initialised (${peers.join(', ')})`);
  },

  async createOffer(gatherTimeoutMs, peer) {
    const conn = requirePc(peer);
    await conn.setLocalDescription(await conn.createOffer());
    await gathered(conn, gatherTimeoutMs);
    if (!conn.localDescription) throw new Error('no local description');
    return conn.localDescription.toJSON();
  },

  async acceptOffer(offer, gatherTimeoutMs, peer) {
    const conn = requirePc(peer);
    await conn.setRemoteDescription(offer);
    await conn.setLocalDescription(await conn.createAnswer());
    await gathered(conn, gatherTimeoutMs);
    if (!conn.localDescription) throw new Error('no local description');
    return conn.localDescription.toJSON();
  },

  async acceptAnswer(answer, peer) {
    await requirePc(peer).setRemoteDescription(answer);
  },

  async waitConnected(timeoutMs, peer) {
    const conns = peer === undefined ? [...pcs.values()] : [requirePc(peer)];
    if (conns.length === 0) throw new Error('call page not initialised');
    await waitFor(
      () => {
        if (conns.some((c) => c.connectionState === 'failed')) throw new Error('peer connection failed');
        return conns.every((c) => c.connectionState === 'connected');
      },
      timeoutMs,
      'the peer connection(s) to connect',
    );
  },

  async setMaxBitrate(kind, bps, peer) {
    const conns = peer === undefined ? [...pcs.values()] : [requirePc(peer)];
    const senders = conns.flatMap((c) => c.getSenders().filter((s) => s.track?.kind === kind));
    if (senders.length === 0) throw new Error(`no ${kind} sender`);
    for (const sender of senders) {
      const params = sender.getParameters();
      if (!params.encodings || params.encodings.length === 0) params.encodings = [{}];
      params.encodings[0].maxBitrate = bps;
      await sender.setParameters(params);
    }
    log(`${kind} maxBitrate ${bps} on ${senders.length} sender(s)`);
    return senders.length;
  },

  async counters() {
    const c: MediaCounters = {
      t: Date.now(),
      outAudioBytes: 0,
      outVideoBytes: 0,
      inAudioBytes: 0,
      inVideoBytes: 0,
      outVideoWidth: null,
      outVideoLimitation: null,
      availableOutgoingBitrate: null,
      inVideoFramesDecoded: 0,
      peers: {},
    };
    for (const [peer, conn] of pcs) {
      const p = await peerCounters(conn);
      if (c.peers) c.peers[peer] = p;
      c.outAudioBytes += p.outAudioBytes;
      c.outVideoBytes += p.outVideoBytes;
      c.inAudioBytes += p.inAudioBytes;
      c.inVideoBytes += p.inVideoBytes;
      c.inVideoFramesDecoded += p.inVideoFramesDecoded;
      c.outVideoWidth ??= p.outVideoWidth;
      c.outVideoLimitation ??= p.outVideoLimitation;
      if (p.availableOutgoingBitrate !== null) {
        c.availableOutgoingBitrate = (c.availableOutgoingBitrate ?? 0) + p.availableOutgoingBitrate;
      }
    }
    return c;
  },

  status,

  async hangUp(timeoutMs) {
    for (const [peer, conn] of pcs) {
      try {
        conn.close();
      } catch (err) {
        errors.push(`${peer}: pc.close: ${String(err)}`);
      }
    }
    for (const track of localStream?.getTracks() ?? []) track.stop();
    const current = trace;
    if (current && !current.isClosed()) {
      const before = traceCloses.length;
      current.close();
      await waitFor(() => traceCloses.length > before || current.isClosed(), timeoutMs, 'the rtcstats socket to close');
    }
    log('hung up');
    return status();
  },
};

window.addEventListener('error', (e) => errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => errors.push(`unhandled rejection: ${String(e.reason)}`));
(window as unknown as CallPageWindow).callPage = api;
