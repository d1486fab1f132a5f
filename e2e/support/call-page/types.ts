/** What the call page (call-page.ts, bundled for the browser) exposes as `window.callPage`, shared with the harness. */

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
}

export interface TraceCloseRecord {
  code: number;
  reason: string;
  at: number;
}

/** Cumulative RTP counters from the page's own getStats (for the harness's report, not sent anywhere). */
export interface MediaCounters {
  t: number;
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
}

export interface CallPageStatus {
  connectionState: RTCPeerConnectionState | 'none';
  iceConnectionState: RTCIceConnectionState | 'none';
  traceConnected: boolean;
  traceCloses: TraceCloseRecord[];
  errors: string[];
}

export interface CallPageApi {
  /** Instruments the page with @jitsi/rtcstats, connects the trace, sends identity, gets fake camera+mic, creates the peer connection. */
  init(opts: CallPageInit): Promise<void>;
  /** Offerer: returns the local offer once ICE gathering finished (non-trickle; candidates inside the SDP). */
  createOffer(gatherTimeoutMs: number): Promise<RTCSessionDescriptionInit>;
  /** Answerer: applies the offer, returns the answer once ICE gathering finished. */
  acceptOffer(offer: RTCSessionDescriptionInit, gatherTimeoutMs: number): Promise<RTCSessionDescriptionInit>;
  acceptAnswer(answer: RTCSessionDescriptionInit): Promise<void>;
  waitConnected(timeoutMs: number): Promise<void>;
  /** `sender.setParameters` with `encodings[0].maxBitrate` for the first sender of that kind. */
  setMaxBitrate(kind: 'audio' | 'video', bps: number): Promise<void>;
  counters(): Promise<MediaCounters>;
  status(): CallPageStatus;
  /** Closes the peer connection, stops the tracks, closes the trace (3001) and waits for the socket to close. */
  hangUp(timeoutMs: number): Promise<CallPageStatus>;
}

export interface CallPageWindow {
  callPage: CallPageApi;
}
