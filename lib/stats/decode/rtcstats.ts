/**
 * Decoder for rtcstats dump file format 3 (rtcstats-protocol.md §2.4): `RTCStatsDump`, a metadata line, one
 * `[method, connId, value, ...extra, timestampDelta]` frame per line, a final `["close", null, code, ms]`.
 *
 * Streaming: live sessions are decoded from an append-only file, so state (absolute time, per-connection stats
 * base, last descriptions) lives in the decoder between `pushLine` calls.
 *
 * What is rewritten: method names (decompressed), absolute times (Σ deltas), JSON-quoted state strings, getStats
 * (full reports with `id`, full `type`, per-report `timestamp`) and compressed SDPs (whole again). Nothing else.
 */

import type { DumpMetadata, DumpSink, TraceEvent } from '../model';
import { DumpFormatError } from './dump-format-error';
import { forEachLine, LineDecoder, type LineDecoderOptions, NO_REPORTS } from './line-decoder';
import {
  decompressMethod,
  descriptionDecompression,
  isCompressedDescription,
  type SessionDescriptionLike,
  StatsDecompressor,
} from './rtcstats-compression';
import { isObject, STATE_EVENTS, unquoteState } from './values';

export const RTCSTATS_MAGIC = 'RTCStatsDump';

/**
 * A delta this large cannot be a delta (≈3 years): it is an absolute epoch time, which the client sends as the
 * first "delta" after every (re)connect. Treating it as absolute keeps times sane when frames are reordered.
 */
const ABSOLUTE_TIME_THRESHOLD = 1e11;

/** Per peer connection: what later frames are compressed against. */
interface ConnectionState {
  /** The getStats delta chain; its reports are updated in place (see the `DumpSink.stats` contract). */
  stats: StatsDecompressor;
  /** Current `localDescription` (after the last successful setLocalDescription). */
  local?: SessionDescriptionLike;
  /** Current `remoteDescription`. */
  remote?: SessionDescriptionLike;
  /** Created before any local description existed: the base of the first explicit setLocalDescription. */
  lastCreated?: SessionDescriptionLike;
  pendingLocal?: SessionDescriptionLike;
  pendingRemote?: SessionDescriptionLike;
  /** Report ids already warned about (no `type`), to warn once each. */
  typelessWarned?: Set<string>;
}

const KNOWN_METADATA_KEYS = new Set(['fileFormat', 'clientProtocol', 'url', 'origin', 'userAgent', 'startTime']);

export class RtcstatsDecoder extends LineDecoder {
  private headerSeen = false;
  private metadataSent = false;
  private framesSeen = 0;
  private lastTime = 0;
  private readonly connections = new Map<string, ConnectionState>();
  // Per-sample scratch lists of `decodeStats`, reused (almost always empty).
  private readonly skipped: string[] = [];
  private readonly created: string[] = [];

  constructor(sink: DumpSink, options?: LineDecoderOptions) {
    super(sink, options);
  }

  protected decodeLine(line: string): void {
    if (!this.headerSeen) {
      this.headerSeen = true;
      if (line.trim() === RTCSTATS_MAGIC) return;
      this.warn(`line ${this.lineNumber}: missing ${RTCSTATS_MAGIC} header, decoding anyway`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.requireMetadataLine();
      this.warn(`line ${this.lineNumber}: invalid JSON, skipped`);
      return;
    }
    if (!isObject(parsed)) this.requireMetadataLine();
    if (Array.isArray(parsed)) {
      this.decodeFrame(parsed);
    } else if (!this.metadataSent && this.framesSeen === 0 && isObject(parsed)) {
      this.sendMetadata(parsed);
    } else {
      this.warn(`line ${this.lineNumber}: not a frame array, skipped`);
    }
  }

  /** Strict reading: the line after the header must be the metadata object. */
  private requireMetadataLine(): void {
    if (this.strict && !this.metadataSent) {
      throw new DumpFormatError(
        'invalid',
        `${RTCSTATS_MAGIC}: line ${this.lineNumber} must be the metadata JSON object`,
      );
    }
  }

  protected finish(): void {
    this.requireMetadataLine();
    if (!this.metadataSent) {
      this.warn('end of input: no metadata line and no frames');
      this.sendMetadata({});
    }
  }

  private sendMetadata(line: Record<string, unknown>): void {
    this.metadataSent = true;
    const meta: DumpMetadata = { format: 'rtcstats' };
    const fileFormat = line.fileFormat;
    if (typeof fileFormat === 'number' || typeof fileFormat === 'string') meta.fileFormat = fileFormat;
    if (this.strict && line.fileFormat !== 3) {
      throw new DumpFormatError(
        'invalid',
        `${RTCSTATS_MAGIC} fileFormat ${String(line.fileFormat)} is not supported (3 is)`,
      );
    }
    if (line.fileFormat !== undefined && line.fileFormat !== 3) {
      this.warn(`line ${this.lineNumber}: fileFormat ${String(line.fileFormat)} is not 3, decoding as 3`);
    }
    if (typeof line.clientProtocol === 'string') meta.clientProtocol = line.clientProtocol;
    if (typeof line.url === 'string') meta.url = line.url;
    if (typeof line.origin === 'string') meta.origin = line.origin;
    if (typeof line.userAgent === 'string') meta.userAgent = line.userAgent;
    if (typeof line.startTime === 'number' && Number.isFinite(line.startTime)) meta.startTime = line.startTime;
    const extra: Record<string, unknown> = {};
    let hasExtra = false;
    for (const key in line) {
      if (KNOWN_METADATA_KEYS.has(key)) continue;
      extra[key] = line[key];
      hasExtra = true;
    }
    if (hasExtra) meta.extra = extra;
    this.sink.metadata(meta);
  }

  private decodeFrame(frame: unknown[]): void {
    if (!this.metadataSent) {
      this.warn(`line ${this.lineNumber}: frame before any metadata line`);
      this.sendMetadata({});
    }
    this.framesSeen++;
    // [method, connId, value, ...extra, delta]: at least four elements (undefined values are sent as null).
    if (frame.length < 4) {
      this.warn(`line ${this.lineNumber}: frame has ${frame.length} elements (need ≥ 4), skipped`);
      return;
    }
    const [rawMethod, rawConnection] = frame;
    const delta = frame[frame.length - 1];
    if (typeof delta !== 'number' || !Number.isFinite(delta)) {
      this.warn(`line ${this.lineNumber}: time delta is not a number, skipped`);
      return;
    }
    if (typeof rawMethod !== 'string' && typeof rawMethod !== 'number') {
      this.warn(`line ${this.lineNumber}: method is not a string or number, skipped`);
      return;
    }
    let pc: string | null;
    if (rawConnection === null || rawConnection === undefined) pc = null;
    else if (typeof rawConnection === 'string' || typeof rawConnection === 'number') pc = String(rawConnection);
    else {
      this.warn(`line ${this.lineNumber}: connection id is not a string, skipped`);
      return;
    }

    if (delta > ABSOLUTE_TIME_THRESHOLD) {
      if (this.lastTime !== 0) {
        this.warn(`line ${this.lineNumber}: absolute time ${delta} where a delta was expected, time reset`);
      }
      this.lastTime = delta;
    } else {
      this.lastTime += delta;
    }
    const time = this.lastTime;
    const method = decompressMethod(rawMethod);
    let value = frame[2];
    if (method === 'getStats') {
      this.decodeStats(pc, time, value);
      return;
    }
    const extra = frame.slice(3, -1);
    if (STATE_EVENTS.has(method)) value = unquoteState(value);
    if (pc !== null) value = this.decodeDescription(this.connection(pc), method, value);
    const event: TraceEvent = { pc, type: method, time, value, extra };
    this.sink.event(event);
  }

  private connection(pc: string): ConnectionState {
    let state = this.connections.get(pc);
    if (!state) {
      state = { stats: new StatsDecompressor() };
      this.connections.set(pc, state);
    }
    return state;
  }

  private decodeStats(pc: string | null, time: number, value: unknown): void {
    if (pc === null) {
      this.warn(`line ${this.lineNumber}: getStats without a connection id, skipped`);
      return;
    }
    if (!isObject(value)) {
      this.warn(`line ${this.lineNumber}: getStats value is not an object, skipped`);
      return;
    }
    if (this.statsTimesOnly) {
      this.sink.stats({ pc, time, reports: NO_REPORTS });
      return;
    }
    const state = this.connection(pc);
    const { skipped, created } = this;
    skipped.length = 0;
    created.length = 0;
    const reports = state.stats.apply(value, skipped, created);
    if (skipped.length > 0) {
      this.warn(`line ${this.lineNumber}: getStats entries ${skipped.slice(0, 5).join(', ')} are not reports, skipped`);
    }
    // Only reports without a base can lack `type`/`timestamp`; the others inherit them.
    for (const id of created) {
      const report = reports[id];
      if (typeof report.type !== 'string') {
        // The report's first (full) transmission was lost, e.g. a skipped line: later deltas never repeat `type`.
        state.typelessWarned ??= new Set();
        if (!state.typelessWarned.has(id)) {
          state.typelessWarned.add(id);
          this.warn(`line ${this.lineNumber}: ${pc} report ${id} has no type (its first transmission is missing)`);
        }
        report.type = 'unknown';
      }
      if (typeof report.timestamp !== 'number') report.timestamp = time;
    }
    // `reports` stays the decompressor's state: the sink may read it during this call only.
    this.sink.stats({ pc, time, reports });
  }

  /**
   * Restores whole SDPs, mirroring what rtcstats-js compressed against (§1.1.5 and `peerconnection.js`):
   * createOffer/AnswerOnSuccess against the current localDescription; explicit setLocalDescription against the
   * localDescription or else the offer/answer created before one existed; implicit setLocalDescriptionOnSuccess
   * against the previous localDescription; setRemoteDescription against the current remoteDescription.
   */
  private decodeDescription(state: ConnectionState, method: string, value: unknown): unknown {
    switch (method) {
      case 'createOfferOnSuccess':
      case 'createAnswerOnSuccess': {
        if (!isObject(value)) return value;
        const description = this.restore(value, [state.local, state.lastCreated], method);
        if (!state.local) state.lastCreated = description;
        return description;
      }
      case 'setLocalDescription': {
        if (!isObject(value)) return value; // null: implicit, the OnSuccess carries the description.
        const description = this.restore(value, [state.local, state.lastCreated], method);
        state.lastCreated = undefined;
        state.pendingLocal = description;
        return description;
      }
      case 'setLocalDescriptionOnSuccess': {
        if (isObject(value)) {
          state.local = this.restore(value, [state.local], method);
          state.pendingLocal = undefined;
          return state.local;
        }
        if (state.pendingLocal) state.local = state.pendingLocal;
        state.pendingLocal = undefined;
        return value;
      }
      case 'setLocalDescriptionOnFailure':
        state.pendingLocal = undefined;
        return value;
      case 'setRemoteDescription': {
        if (!isObject(value)) return value;
        const description = this.restore(value, [state.remote], method);
        state.pendingRemote = description;
        return description;
      }
      case 'setRemoteDescriptionOnSuccess':
        if (state.pendingRemote) state.remote = state.pendingRemote;
        state.pendingRemote = undefined;
        return value;
      case 'setRemoteDescriptionOnFailure':
        state.pendingRemote = undefined;
        return value;
      default:
        return value;
    }
  }

  /** Decompresses against the first base that resolves every placeholder; warns if none does. */
  private restore(
    value: SessionDescriptionLike,
    bases: (SessionDescriptionLike | undefined)[],
    method: string,
  ): SessionDescriptionLike {
    if (!isCompressedDescription(value)) return value;
    let first: SessionDescriptionLike | undefined;
    for (const base of bases) {
      if (!base) continue;
      const restored = descriptionDecompression(base, value);
      if (!isCompressedDescription(restored)) return restored;
      first ??= restored;
    }
    this.warn(`line ${this.lineNumber}: ${method} SDP could not be fully decompressed (its base is missing)`);
    return first ?? value;
  }
}

/** Decodes a whole rtcstats dump (already decompressed from gzip) into `sink`. */
export function decodeRtcstats(input: string | Buffer, sink: DumpSink, options?: LineDecoderOptions): void {
  const decoder = new RtcstatsDecoder(sink, options);
  if (typeof input === 'string') forEachLine(input, (line) => decoder.pushLine(line));
  else decoder.push(input);
  decoder.end();
}
