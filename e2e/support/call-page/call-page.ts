/**
 * Browser side of the two-party test call, bundled by e2e/support/jitsi-call.ts (esbuild, iife) together with the
 * real `@jitsi/rtcstats` client from npm. It wires the client the way jitsi-meet does (trace-ws + rtcstats with
 * `useLegacy: false`, identity with displayName/confName), *before* any getUserMedia or RTCPeerConnection, then
 * runs one peer connection whose signaling the harness relays (non-trickle: candidates travel inside the SDP).
 */
import rtcstatsInit from '@jitsi/rtcstats/rtcstats';
import traceWs, { type JitsiTrace } from '@jitsi/rtcstats/trace-ws';
import type {
  CallPageApi,
  CallPageInit,
  CallPageStatus,
  CallPageWindow,
  MediaCounters,
  TraceCloseRecord,
} from './types';

let trace: JitsiTrace | null = null;
let pc: RTCPeerConnection | null = null;
let localStream: MediaStream | null = null;
const traceCloses: TraceCloseRecord[] = [];
const errors: string[] = [];

function log(line: string): void {
  const el = document.getElementById('log');
  if (el) el.textContent += `${new Date().toISOString()} ${line}\n`;
}

function requirePc(): RTCPeerConnection {
  if (!pc) throw new Error('call page not initialised');
  return pc;
}

function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => {
      if (check()) return resolve();
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
  return {
    connectionState: pc?.connectionState ?? 'none',
    iceConnectionState: pc?.iceConnectionState ?? 'none',
    traceConnected: trace?.isConnected() ?? false,
    traceCloses: [...traceCloses],
    errors: [...errors],
  };
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

    localStream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
    });
    const local = document.getElementById('local');
    if (local instanceof HTMLVideoElement) local.srcObject = localStream;

    // window.RTCPeerConnection is rtcstats' proxy from here on.
    const conn = new RTCPeerConnection({ iceServers: [] });
    pc = conn;
    for (const track of localStream.getTracks()) conn.addTrack(track, localStream);
    conn.addEventListener('track', (e) => {
      const remote = document.getElementById('remote');
      if (remote instanceof HTMLVideoElement && e.streams[0]) remote.srcObject = e.streams[0];
    });
    conn.addEventListener('connectionstatechange', () => log(`connection ${conn.connectionState}`));
    log('initialised');
  },

  async createOffer(gatherTimeoutMs) {
    const conn = requirePc();
    await conn.setLocalDescription(await conn.createOffer());
    await gathered(conn, gatherTimeoutMs);
    if (!conn.localDescription) throw new Error('no local description');
    return conn.localDescription.toJSON();
  },

  async acceptOffer(offer, gatherTimeoutMs) {
    const conn = requirePc();
    await conn.setRemoteDescription(offer);
    await conn.setLocalDescription(await conn.createAnswer());
    await gathered(conn, gatherTimeoutMs);
    if (!conn.localDescription) throw new Error('no local description');
    return conn.localDescription.toJSON();
  },

  async acceptAnswer(answer) {
    await requirePc().setRemoteDescription(answer);
  },

  async waitConnected(timeoutMs) {
    const conn = requirePc();
    await waitFor(
      () => {
        if (conn.connectionState === 'failed') throw new Error('peer connection failed');
        return conn.connectionState === 'connected';
      },
      timeoutMs,
      'the peer connection to connect',
    );
  },

  async setMaxBitrate(kind, bps) {
    const sender = requirePc()
      .getSenders()
      .find((s) => s.track?.kind === kind);
    if (!sender) throw new Error(`no ${kind} sender`);
    const params = sender.getParameters();
    if (!params.encodings || params.encodings.length === 0) params.encodings = [{}];
    params.encodings[0].maxBitrate = bps;
    await sender.setParameters(params);
    log(`${kind} maxBitrate ${bps}`);
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
    };
    if (!pc || pc.signalingState === 'closed') return c;
    const report = await pc.getStats();
    report.forEach((s: Record<string, unknown>) => {
      const num = (v: unknown) => (typeof v === 'number' ? v : 0);
      if (s.type === 'outbound-rtp') {
        if (s.kind === 'audio') c.outAudioBytes += num(s.bytesSent);
        if (s.kind === 'video') {
          c.outVideoBytes += num(s.bytesSent);
          if (typeof s.frameWidth === 'number') c.outVideoWidth = s.frameWidth;
          if (typeof s.qualityLimitationReason === 'string') c.outVideoLimitation = s.qualityLimitationReason;
        }
      } else if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') {
        c.availableOutgoingBitrate = s.availableOutgoingBitrate;
      } else if (s.type === 'inbound-rtp') {
        if (s.kind === 'audio') c.inAudioBytes += num(s.bytesReceived);
        if (s.kind === 'video') {
          c.inVideoBytes += num(s.bytesReceived);
          c.inVideoFramesDecoded += num(s.framesDecoded);
        }
      }
    });
    return c;
  },

  status,

  async hangUp(timeoutMs) {
    try {
      pc?.close();
    } catch (err) {
      errors.push(`pc.close: ${String(err)}`);
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
