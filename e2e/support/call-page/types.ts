/** What the call page (call-page.ts, bundled for the browser) exposes as `window.callPage`, shared with the harness. */

/** The peer id of the one connection of a two-party call (when `init` is given no `peers`). */
export const DEFAULT_PEER = 'default';

export interface CallPageInit {
  /** Jitsi rtcstats endpoint without trailing slash, e.g. `ws://127.0.0.1:3000/t/<token>`. */
  endpoint: string;
  /** Appended by the client as `${endpoint}/${meetingFqn}?statsSessionId=…`. */
  meetingFqn: string;
  /** Sent in the identity message as displayName (→ user when the token claims none). */
  user: string;
  /** Sent in the identity message as confName (→ conference when the token claims none). */
  conference: string;
  /** getStats period (rtcstats `pollInterval`). */
  pollIntervalMs: number;
  /** Keepalive period (trace-ws `pingInterval`). */
  pingIntervalMs: number;
  /** rtcstats `sendSdp` (jitsi-meet's default is false: SDP and candidates are sent as ''). */
  sendSdp: boolean;
  /**
   * One peer connection per remote party, by peer id (a mesh). Default `[DEFAULT_PEER]`: one connection, which the
   * per-peer methods use when called without a peer.
   */
  peers?: string[];
  /** Camera constraints (ideal values). Default 640×480 at 30 fps. */
  video?: { width: number; height: number; frameRate: number };
}

export interface TraceCloseRecord {
  code: number;
  reason: string;
  at: number;
}

/** One peer connection's outbound video and transport, from the page's own getStats. */
export interface PeerCounters {
  connectionState: RTCPeerConnectionState;
  outAudioBytes: number;
  outVideoBytes: number;
  inAudioBytes: number;
  inVideoBytes: number;
  outVideoWidth: number | null;
  outVideoFps: number | null;
  outVideoLimitation: string | null;
  /** outbound video `targetBitrate` (bit/s). */
  outVideoTargetBitrate: number | null;
  availableOutgoingBitrate: number | null;
  currentRoundTripTime: number | null;
  inVideoFramesDecoded: number;
}

/** Cumulative RTP counters from the page's own getStats (for the harness's report, not sent anywhere). */
export interface MediaCounters {
  t: number;
  /** Summed over all the page's peer connections. */
  outAudioBytes: number;
  outVideoBytes: number;
  inAudioBytes: number;
  inVideoBytes: number;
  outVideoWidth: number | null;
  /** outbound video `qualityLimitationReason` (none, cpu, bandwidth, other). */
  outVideoLimitation: string | null;
  /** candidate pair `availableOutgoingBitrate` (bit/s). */
  availableOutgoingBitrate: number | null;
  inVideoFramesDecoded: number;
  /** The same per peer connection (by peer id). */
  peers?: Record<string, PeerCounters>;
}

export interface CallPageStatus {
  /** The first peer connection's (the only one of a two-party call). */
  connectionState: RTCPeerConnectionState | 'none';
  iceConnectionState: RTCIceConnectionState | 'none';
  /** Every peer connection's, by peer id. */
  peers: Record<string, { connectionState: RTCPeerConnectionState; iceConnectionState: RTCIceConnectionState }>;
  traceConnected: boolean;
  traceCloses: TraceCloseRecord[];
  errors: string[];
}

export interface CallPageApi {
  /**
   * Instruments the page with @jitsi/rtcstats, connects the trace, sends identity, gets fake camera+mic, creates
   * one peer connection per peer (all traced by the one rtcstats trace).
   */
  init(opts: CallPageInit): Promise<void>;
  /**
   * Offerer: returns the local offer once ICE gathering finished (non-trickle; candidates inside the SDP). Without
   * `peer`, the page's only peer connection.
   */
  createOffer(gatherTimeoutMs: number, peer?: string): Promise<RTCSessionDescriptionInit>;
  /** Answerer: applies the offer, returns the answer once ICE gathering finished. */
  acceptOffer(offer: RTCSessionDescriptionInit, gatherTimeoutMs: number, peer?: string): Promise<RTCSessionDescriptionInit>;
  acceptAnswer(answer: RTCSessionDescriptionInit, peer?: string): Promise<void>;
  /** Without `peer`: until every peer connection is connected. */
  waitConnected(timeoutMs: number, peer?: string): Promise<void>;
  /**
   * `sender.setParameters` with `encodings[0].maxBitrate` for every sender of that kind (of one peer connection
   * when `peer` is given). Returns the number of senders changed.
   */
  setMaxBitrate(kind: 'audio' | 'video', bps: number, peer?: string): Promise<number>;
  counters(): Promise<MediaCounters>;
  status(): CallPageStatus;
  /** Closes every peer connection, stops the tracks, closes the trace (3001) and waits for the socket to close. */
  hangUp(timeoutMs: number): Promise<CallPageStatus>;
}

export interface CallPageWindow {
  callPage: CallPageApi;
}
