/**
 * The normalized model every input format decodes into.
 *
 * Decoders are streaming: they push what they find into a `DumpSink` in time order per peer connection,
 * so a session-hour never has to be held in memory as a whole. `collectDump()` (collect.ts) is the sink
 * that keeps everything, for tests and small dumps.
 *
 * Times are epoch milliseconds (floats allowed). Stats reports are fully decompressed: full property names,
 * full `type` strings, every report carries its own `timestamp` (epoch ms) and `id`.
 */

export type DumpFormat = 'rtcstats' | 'jitsi' | 'webrtc-internals';

/** What the dump says about where it came from (metadata line / connectionInfo / internals header). */
export interface DumpMetadata {
  format: DumpFormat;
  /** rtcstats file format (3) or Jitsi protocol iteration, when the dump states one. */
  fileFormat?: number | string;
  clientProtocol?: string;
  url?: string;
  origin?: string;
  userAgent?: string;
  /** Server time the connection started (ms). */
  startTime?: number;
  /** Identity given inside the dump itself (Jitsi `identity`, webrtc-internals has none). */
  user?: string;
  conference?: string;
  session?: string;
  /** Anything else from the metadata line, verbatim. */
  extra?: Record<string, unknown>;
}

/** One traced API call or event: `getUserMedia`, `setLocalDescription`, `oniceconnectionstatechange`... */
export interface TraceEvent {
  /** `null` for client-level events (getUserMedia, enumerateDevices, the client `create`...). */
  pc: string | null;
  /** Decompressed method name, e.g. `createOfferOnSuccess`, `navigator.mediaDevices.getUserMedia`. */
  type: string;
  time: number;
  /** Decompressed value: SDP descriptions are whole again, state strings unquoted. */
  value: unknown;
  /** Extra elements after the value (tracking ids, track ids, getStats reason). */
  extra: unknown[];
}

export interface StatsReport {
  id: string;
  type: string;
  /** Epoch ms. */
  timestamp: number;
  [property: string]: unknown;
}

/** One getStats() result of one peer connection, decompressed. See `DumpSink.stats` for how long it is valid. */
export interface StatsSample {
  pc: string;
  /** Time of the getStats event (ms); reports carry their own `timestamp`, usually equal. */
  time: number;
  /** Report id → report. Ids are whatever the format uses (short ids for rtcstats, originals elsewhere). */
  reports: Record<string, StatsReport>;
}

export interface DumpSink {
  metadata(meta: DumpMetadata): void;
  event(event: TraceEvent): void;
  /**
   * One getStats sample. Contract: `sample.reports` and the report objects in it are only valid during this call.
   * Decoders may update the same report objects in place for the next sample (the rtcstats decoder does: copying
   * every report of every sample was most of its cost), so a sink that keeps anything must copy it (numbers,
   * strings; `snapshot()` in collect.ts for whole samples). Sub-objects and arrays inside a report (e.g.
   * `qualityLimitationDurations`) are never mutated: a later sample replaces them, so keeping one is safe.
   */
  stats(sample: StatsSample): void;
  /** Something was skipped or repaired; the decoder goes on. */
  warn(message: string): void;
}

/** Everything a decoder produced, kept in memory. */
export interface DecodedDump {
  metadata: DumpMetadata;
  /** Events in arrival order, all connections (pc `null` for client-level). */
  events: TraceEvent[];
  /** Per peer connection id, getStats samples in time order. */
  stats: Record<string, StatsSample[]>;
  warnings: string[];
}
