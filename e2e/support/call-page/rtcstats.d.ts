/**
 * Types for the parts of `@jitsi/rtcstats` 9.7.1 the call page uses (the package ships untyped ES modules).
 * Checked against node_modules/@jitsi/rtcstats/trace-ws.js and rtcstats.js.
 */

declare module '@jitsi/rtcstats/trace-ws' {
  export interface JitsiTraceCloseEvent {
    code: number;
    reason: string;
  }

  export interface JitsiTraceOptions {
    /** e.g. `wss://stats.example.org` (no trailing slash); the client appends `/${meetingFqn}?statsSessionId=…`. */
    endpoint: string;
    meetingFqn: string;
    onCloseCallback: (event: JitsiTraceCloseEvent) => void;
    /** false → subprotocol `3.1_STANDARD`, true → `3.1_LEGACY`. */
    useLegacy?: boolean;
    /** Replace candidate/SDP addresses by x.x.x.x (default true). */
    obfuscate?: boolean;
    /** Keepalive interval in ms (default 30000). */
    pingInterval?: number;
  }

  export interface JitsiTrace {
    (msg: unknown): void;
    statsEntry: (...data: unknown[]) => void;
    identity: (...data: unknown[]) => void;
    keepAlive: () => void;
    connect: (isBreakoutRoom?: boolean, isReconnect?: boolean) => void;
    /** Closes the WebSocket with 3001 (CONFERENCE_LEAVE_CODE). */
    close: () => void;
    isConnected: () => boolean;
    isClosed: () => boolean;
  }

  export default function traceWs(options: JitsiTraceOptions): JitsiTrace;
}

declare module '@jitsi/rtcstats/rtcstats' {
  export interface RtcstatsOptions {
    /** Return true to leave a peer connection uninstrumented. */
    connectionFilter?: (config: RTCConfiguration | undefined) => boolean;
    /** getStats period in ms. */
    pollInterval: number;
    useLegacy?: boolean;
    /** Send SDP and candidates (default false: sent as ''). */
    sendSdp?: boolean;
    prefixesToWrap?: string[];
    eventCallback?: (event: { type: string; body: unknown }) => void;
  }

  /** Replaces window.RTCPeerConnection and navigator.mediaDevices.getUserMedia/getDisplayMedia with tracing proxies. */
  export default function rtcstatsInit(
    trace: { statsEntry: (...data: unknown[]) => void },
    options: RtcstatsOptions,
  ): void;
}
