/**
 * Decoder for Chrome's chrome://webrtc-internals "Create dump" JSON (stats-and-dumps.md §1.1–1.5).
 *
 * Peer connection ids are the internals keys as they are (`"<renderer id>-<local pc id>"`, e.g. `8-1`): they
 * are unique within a dump, stable, and what a user sees on the webrtc-internals page.
 *
 * - `getUserMedia` entries become client events (`pc: null`) named like rtcstats ones:
 *   `navigator.mediaDevices.getUserMedia` / `getDisplayMedia` (request), `…OnSuccess` (tracks as
 *   `[kind, id, label, streamId]`), `…OnFailure` (`"<error>: <message>"`), extra = correlation id
 *   `"<request_type>-<rid>-<pid>-<request_id>"` (the id Chrome's own rtcstats export uses).
 * - Each peer connection gets a `create` event (value: its parsed `rtcConfiguration`, extra: `{url, pid,
 *   constraints}`), then its `updateLog` entries with names normalized to the rtcstats ones
 *   (`signalingstatechange` → `onsignalingstatechange`…), values JSON-parsed (SDP objects, candidates, bare states).
 * - Stats series (`<id>-<prop>`, `values` a JSON string) are regrouped into one `StatsSample` per poll, with
 *   reports shaped like getStats results: `{id, type, timestamp, ...props}`. Chrome's computed `[...]` metrics
 *   are left out (they are not getStats properties and have gaps that cannot be aligned reliably).
 *
 * The whole dump is one JSON document, so this decoder is not streaming. Damaged parts are skipped with warnings.
 */

import type { DumpMetadata, DumpSink, StatsReport, StatsSample, TraceEvent } from '../model';
import { DumpFormatError } from './dump-format-error';
import { type LineDecoderOptions, runGuarded } from './line-decoder';
import { isObject } from './values';

type Json = Record<string, unknown>;

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Old and mid-era updateLog event names → the rtcstats names used everywhere else. */
const EVENT_NAMES: Record<string, string> = {
  signalingStateChange: 'onsignalingstatechange',
  signalingstatechange: 'onsignalingstatechange',
  iceConnectionStateChange: 'oniceconnectionstatechange',
  iceconnectionstatechange: 'oniceconnectionstatechange',
  connectionStateChange: 'onconnectionstatechange',
  connectionstatechange: 'onconnectionstatechange',
  iceGatheringStateChange: 'onicegatheringstatechange',
  icegatheringstatechange: 'onicegatheringstatechange',
  onIceCandidate: 'onicecandidate',
  icecandidate: 'onicecandidate',
  icecandidateerror: 'onicecandidateerror',
  onRenegotiationNeeded: 'onnegotiationneeded',
  negotiationneeded: 'onnegotiationneeded',
  datachannel: 'ondatachannel',
};

const STATE_EVENTS = new Set([
  'onsignalingstatechange',
  'oniceconnectionstatechange',
  'onconnectionstatechange',
  'onicegatheringstatechange',
  'legacyIceConnectionStateChange',
]);

/** M86-era enum-style states: `SignalingStateHaveLocalOffer` → `have-local-offer`. */
const STATE_PREFIX = /^k?(?:Signaling|ICEConnection|IceConnection|PeerConnection|Connection|IceGathering|ICEGathering)State/;

function normalizeState(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (!STATE_PREFIX.test(value)) return value;
  return value
    .replace(STATE_PREFIX, '')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/** Values are strings: JSON in new Chrome, `key: value, …` text in old builds. */
function parseLogValue(type: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const first = value[0];
  if (first === '{' || first === '[' || first === '"') {
    try {
      return JSON.parse(value);
    } catch {
      // Not JSON after all (e.g. old free text starting with a brace): keep the string.
    }
  }
  // Old builds: "type: offer, sdp: v=0\r\n…".
  const oldSdp = /^type: (\w+), sdp: ([\s\S]*)$/.exec(value);
  if (oldSdp) return { type: oldSdp[1], sdp: oldSdp[2] };
  // Old builds: "sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:…".
  const oldCandidate = /^sdpMid: ([^,]*), sdpMLineIndex: (\d+), candidate: ([\s\S]*)$/.exec(value);
  if (oldCandidate) {
    return { sdpMid: oldCandidate[1], sdpMLineIndex: Number(oldCandidate[2]), candidate: oldCandidate[3] };
  }
  if (STATE_EVENTS.has(type)) return normalizeState(value);
  return value;
}

/** Type of a stats id when the dump predates `statsType` (M86 long ids). Never used when `statsType` exists. */
const LONG_ID_TYPES: [string, string][] = [
  ['RTCInboundRTP', 'inbound-rtp'],
  ['RTCOutboundRTP', 'outbound-rtp'],
  ['RTCRemoteInboundRtp', 'remote-inbound-rtp'],
  ['RTCRemoteOutboundRTP', 'remote-outbound-rtp'],
  ['RTCIceCandidatePair', 'candidate-pair'],
  ['RTCTransport', 'transport'],
  ['RTCAudioSource', 'media-source'],
  ['RTCVideoSource', 'media-source'],
  ['RTCMediaStreamTrack', 'track'],
  ['RTCMediaStream', 'stream'],
  ['RTCCodec', 'codec'],
  ['RTCCertificate', 'certificate'],
  ['RTCPeerConnection', 'peer-connection'],
  ['RTCDataChannel', 'data-channel'],
];

function typeFromLongId(id: string): string | undefined {
  const lower = id.toLowerCase();
  for (const [prefix, type] of LONG_ID_TYPES) if (lower.startsWith(prefix.toLowerCase())) return type;
  return undefined;
}

/**
 * String-typed getStats properties that webrtc-internals turns into numbers (it `parseFloat`s numeric-looking
 * strings): `mid: "0"` is recorded as 0. Restored so reports match what getStats (and rtcstats dumps) give.
 */
const STRING_PROPERTIES = new Set(['mid', 'rid', 'foundation', 'usernameFragment', 'iceLocalUsernameFragment', 'label']);

/** `<id>-<prop>`: a `[` starts a computed property; otherwise split at the last `-` (ids contain `-`). */
export function splitStatsKey(key: string): { id: string; property: string } | undefined {
  const bracket = key.indexOf('[');
  if (bracket > 0) {
    const id = key.slice(0, bracket).replace(/-$/, '');
    return id ? { id, property: key.slice(bracket) } : undefined;
  }
  const dash = key.lastIndexOf('-');
  if (dash <= 0 || dash === key.length - 1) return undefined;
  return { id: key.slice(0, dash), property: key.slice(dash + 1) };
}

interface Series {
  values: unknown[];
  /** Whole-ms first and last point times (`startTime`/`endTime`), when parseable. */
  start?: number;
  end?: number;
}

interface StatsObject {
  type?: string;
  typeSeries?: unknown[];
  timestamps?: Series;
  properties: Map<string, Series>;
}

/**
 * Index in `timestamps` of the first point of a series of `length` points: the anchored match on
 * `startTime`/`endTime` (whole ms) when one exists, else aligned to the end (Chrome drops old points first).
 */
function alignSeries(series: Series, timestamps: number[]): number {
  const length = series.values.length;
  const last = timestamps.length - length;
  if (series.start !== undefined && series.end !== undefined) {
    for (let first = last; first >= 0; first--) {
      if (Math.floor(timestamps[first]) === series.start && Math.floor(timestamps[first + length - 1]) === series.end) {
        return first;
      }
    }
  }
  return last;
}

function parseIsoMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The options of the line decoders that apply to a whole-document format. */
export type InternalsDecoderOptions = Pick<LineDecoderOptions, 'strict' | 'statsTimesOnly'>;

class InternalsDecoder {
  constructor(
    private readonly sink: DumpSink,
    private readonly options: InternalsDecoderOptions = {},
  ) {}

  /** Strict reading refuses a document it cannot use at all; otherwise that is a warning and nothing decoded. */
  private unusable(message: string): void {
    if (this.options.strict) {
      throw new DumpFormatError('invalid', message.startsWith('webrtc-internals') ? message : `webrtc-internals dump: ${message}`);
    }
    this.sink.warn(message);
  }

  decode(input: string | Buffer): void {
    const text = typeof input === 'string' ? input : input.toString('utf8');
    let dump: unknown;
    try {
      dump = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      this.unusable(`webrtc-internals dump is not valid JSON (truncated?): ${(error as Error).message}; nothing decoded`);
      this.sink.metadata({ format: 'webrtc-internals' });
      return;
    }
    if (!isObject(dump)) {
      this.unusable('webrtc-internals dump is not a JSON object; nothing decoded');
      this.sink.metadata({ format: 'webrtc-internals' });
      return;
    }

    const clientEvents = this.getUserMediaEvents(dump.getUserMedia);
    const connections: [string, Json][] = [];
    if (isObject(dump.PeerConnections)) {
      for (const [key, record] of Object.entries(dump.PeerConnections)) {
        if (isObject(record)) connections.push([key, record]);
        else this.sink.warn(`PeerConnections.${key} is not an object, skipped`);
      }
    } else {
      this.unusable('dump has no PeerConnections object');
    }

    this.sink.metadata(this.metadata(dump, clientEvents, connections));
    for (const event of clientEvents) this.sink.event(event);
    for (const [pc, record] of connections) this.decodeConnection(pc, record);
  }

  private metadata(dump: Json, clientEvents: TraceEvent[], connections: [string, Json][]): DumpMetadata {
    const meta: DumpMetadata = { format: 'webrtc-internals' };
    if (typeof dump.UserAgent === 'string') meta.userAgent = dump.UserAgent;
    const extra: Json = {};
    for (const key of ['UserAgentData', 'deviceMemory', 'hardwareConcurrency', 'cpuPerformance'] as const) {
      if (dump[key] !== undefined) extra[key] = dump[key];
    }
    // `timestamp` (M147+) is when the dump was created, not when the call started.
    if (finiteNumber(dump.timestamp) !== undefined) extra.dumpCreatedAt = dump.timestamp;
    if (Object.keys(extra).length > 0) meta.extra = extra;
    // The earliest thing the dump saw stands in for the start: webrtc-internals has no session start.
    let start = Number.POSITIVE_INFINITY;
    for (const event of clientEvents) start = Math.min(start, event.time);
    for (const [, record] of connections) {
      const log = Array.isArray(record.updateLog) ? record.updateLog : [];
      for (const entry of log) if (isObject(entry)) start = Math.min(start, this.entryTime(entry) ?? start);
    }
    if (Number.isFinite(start)) meta.startTime = start;
    return meta;
  }

  private entryTime(entry: Json): number | undefined {
    const timestamp = finiteNumber(entry.timestamp);
    if (timestamp !== undefined) return timestamp;
    // Older builds: `time` is a locale string ("11/5/2020, 9:34:11 PM"), read in the server's time zone.
    if (typeof entry.time === 'string') {
      const ms = Date.parse(entry.time);
      if (Number.isFinite(ms)) return ms;
    }
    return undefined;
  }

  private getUserMediaEvents(entries: unknown): TraceEvent[] {
    if (entries === undefined) return [];
    if (!Array.isArray(entries)) {
      this.sink.warn('getUserMedia is not an array, skipped');
      return [];
    }
    const events: TraceEvent[] = [];
    entries.forEach((entry, index) => {
      const time = isObject(entry) ? finiteNumber(entry.timestamp) : undefined;
      if (!isObject(entry) || time === undefined) {
        this.sink.warn(`getUserMedia[${index}]: not an entry with a timestamp, skipped`);
        return;
      }
      const requestType = typeof entry.request_type === 'string' ? entry.request_type : 'getUserMedia';
      const method = `navigator.mediaDevices.${requestType}`;
      const extra =
        entry.request_id !== undefined ? [`${requestType}-${String(entry.rid)}-${String(entry.pid)}-${String(entry.request_id)}`] : [];
      if (entry.error !== undefined) {
        const message = entry.error_message ? `${String(entry.error)}: ${String(entry.error_message)}` : String(entry.error);
        events.push({ pc: null, type: `${method}OnFailure`, time, value: message, extra });
      } else if (entry.stream_id !== undefined) {
        const tracks: unknown[] = [];
        for (const kind of ['audio', 'video'] as const) {
          const info = parseLogValue('', entry[`${kind}_track_info`]);
          if (isObject(info)) tracks.push([kind, info.id, info.label, entry.stream_id]);
        }
        events.push({ pc: null, type: `${method}OnSuccess`, time, value: tracks, extra });
      } else {
        // Request: an empty constraint string means `true`; a missing key means not requested.
        const constraints: Json = {};
        for (const kind of ['audio', 'video'] as const) {
          const raw = entry[kind];
          if (raw === undefined) continue;
          constraints[kind] = raw === '' ? true : parseLogValue('', raw);
        }
        events.push({ pc: null, type: method, time, value: constraints, extra });
      }
    });
    return events.sort((a, b) => a.time - b.time);
  }

  private decodeConnection(pc: string, record: Json): void {
    const events = this.connectionEvents(pc, record);
    const samples = isObject(record.stats) && !this.options.statsTimesOnly ? this.connectionStats(pc, record.stats) : [];
    if (record.stats !== undefined && !isObject(record.stats)) this.sink.warn(`${pc}: stats is not an object, skipped`);

    const firstTime = Math.min(events[0]?.time ?? Number.POSITIVE_INFINITY, samples[0]?.time ?? Number.POSITIVE_INFINITY);
    const configuration = parseLogValue('', record.rtcConfiguration);
    this.sink.event({
      pc,
      type: 'create',
      time: Number.isFinite(firstTime) ? firstTime : 0,
      value: configuration ?? null,
      extra: [{ url: record.url, pid: record.pid, constraints: record.constraints }],
    });
    // Events and samples interleaved in time order, as a live decoder would have produced them.
    let next = 0;
    for (const event of events) {
      while (next < samples.length && samples[next].time < event.time) this.sink.stats(samples[next++]);
      this.sink.event(event);
    }
    while (next < samples.length) this.sink.stats(samples[next++]);
  }

  private connectionEvents(pc: string, record: Json): TraceEvent[] {
    if (record.updateLog === undefined) return [];
    if (!Array.isArray(record.updateLog)) {
      this.sink.warn(`${pc}: updateLog is not an array, skipped`);
      return [];
    }
    const events: TraceEvent[] = [];
    let previousTime: number | undefined;
    let skipped = 0;
    for (const entry of record.updateLog) {
      if (!isObject(entry) || typeof entry.type !== 'string') {
        skipped++;
        continue;
      }
      let time = this.entryTime(entry);
      if (time === undefined) {
        if (previousTime === undefined) {
          skipped++;
          continue;
        }
        this.sink.warn(`${pc}: updateLog ${entry.type} has no readable time, using the previous event's`);
        time = previousTime;
      }
      previousTime = time;
      const type = Object.hasOwn(EVENT_NAMES, entry.type) ? EVENT_NAMES[entry.type] : entry.type;
      events.push({ pc, type, time, value: parseLogValue(type, entry.value), extra: [] });
    }
    if (skipped > 0) this.sink.warn(`${pc}: ${skipped} updateLog entries without type or time skipped`);
    // Stable sort: old builds logged display time, which can be out of order.
    return events.sort((a, b) => a.time - b.time);
  }

  /** Rebuilds getStats results per poll from the per-property series. */
  private connectionStats(pc: string, stats: Json): StatsSample[] {
    const objects = new Map<string, StatsObject>();
    let badSeries = 0;
    let legacy = false;
    for (const key in stats) {
      const split = splitStatsKey(key);
      // `__proto__` as an id would replace a sample's prototype instead of adding a report.
      if (!split || split.property.startsWith('[') || split.id === '__proto__') continue;
      if (key.startsWith('Conn-') || key.startsWith('bweforvideo-') || key.startsWith('ssrc_')) {
        legacy = true;
        continue;
      }
      const raw = stats[key];
      if (!isObject(raw) || raw.values === undefined) continue; // `{}`: a series with no points.
      let values: unknown;
      try {
        values = typeof raw.values === 'string' ? JSON.parse(raw.values) : raw.values;
      } catch {
        values = undefined;
      }
      if (!Array.isArray(values)) {
        badSeries++;
        continue;
      }
      let object = objects.get(split.id);
      if (!object) {
        object = { properties: new Map() };
        objects.set(split.id, object);
      }
      if (typeof raw.statsType === 'string') object.type ??= raw.statsType;
      const series: Series = { values, start: parseIsoMs(raw.startTime), end: parseIsoMs(raw.endTime) };
      if (split.property === 'timestamp') object.timestamps = series;
      else if (split.property === 'type') object.typeSeries = values;
      else if (split.property !== 'id') object.properties.set(split.property, series);
    }
    if (legacy) this.sink.warn(`${pc}: legacy (goog) stats series are not supported, skipped`);
    if (badSeries > 0) this.sink.warn(`${pc}: ${badSeries} stats series with unreadable values skipped`);

    const reportsById = new Map<string, { type: string; reports: (StatsReport | undefined)[] }>();
    let interpolated = 0;
    for (const [id, object] of objects) {
      const type = object.type ?? lastString(object.typeSeries) ?? typeFromLongId(id);
      if (!type) {
        this.sink.warn(`${pc}: stats id ${id} has no type, skipped`);
        continue;
      }
      let timestamps = numbersOf(object.timestamps?.values);
      if (!timestamps) {
        timestamps = interpolateTimes(object);
        if (!timestamps) continue;
        interpolated++;
      }
      const reports: (StatsReport | undefined)[] = timestamps.map((timestamp) =>
        Number.isFinite(timestamp) ? { id, type, timestamp } : undefined,
      );
      for (const [property, series] of object.properties) {
        // A series longer than its timestamps (should not happen) keeps its newest points.
        const values = series.values.length > timestamps.length ? series.values.slice(-timestamps.length) : series.values;
        const first = alignSeries({ ...series, values }, timestamps);
        const asString = STRING_PROPERTIES.has(property);
        for (let i = 0; i < values.length; i++) {
          const report = reports[first + i];
          if (report) report[property] = asString && typeof values[i] === 'number' ? String(values[i]) : values[i];
        }
      }
      reportsById.set(id, { type, reports });
    }
    if (interpolated > 0) {
      this.sink.warn(`${pc}: ${interpolated} stats ids have no -timestamp series (Chrome < M117); times interpolated`);
    }
    return groupIntoPolls(pc, reportsById);
  }
}

function lastString(values: unknown[] | undefined): string | undefined {
  const last = values?.[values.length - 1];
  return typeof last === 'string' ? last : undefined;
}

function numbersOf(values: unknown[] | undefined): number[] | undefined {
  if (!values || values.length === 0) return undefined;
  return values.map((value) => (typeof value === 'number' ? value : Number.NaN));
}

/** Without `-timestamp`: the longest series' points spread evenly between its start and end (≈1 s polls). */
function interpolateTimes(object: StatsObject): number[] | undefined {
  let longest: Series | undefined;
  for (const series of object.properties.values()) if (!longest || series.values.length > longest.values.length) longest = series;
  if (!longest || longest.start === undefined) return undefined;
  const { start, values } = longest;
  const count = values.length;
  const step = count > 1 && longest.end !== undefined ? (longest.end - start) / (count - 1) : 1000;
  return values.map((_, i) => start + i * step);
}

/**
 * One sample per poll. Poll times are the timestamps of local reports (all reports of one getStats call share
 * it). remote-inbound/outbound-rtp carry RTCP arrival times that repeat across polls, so their points are placed
 * on the last run of polls where each point's time is not after its poll.
 */
function groupIntoPolls(pc: string, reportsById: Map<string, { type: string; reports: (StatsReport | undefined)[] }>): StatsSample[] {
  const isRemote = (type: string) => type === 'remote-inbound-rtp' || type === 'remote-outbound-rtp';
  const pollSet = new Set<number>();
  for (const { type, reports } of reportsById.values()) {
    if (isRemote(type)) continue;
    for (const report of reports) if (report) pollSet.add(report.timestamp);
  }
  if (pollSet.size === 0) {
    for (const { reports } of reportsById.values()) for (const report of reports) if (report) pollSet.add(report.timestamp);
  }
  const polls = [...pollSet].sort((a, b) => a - b);
  const pollIndex = new Map(polls.map((time, index) => [time, index]));
  const samples: StatsSample[] = polls.map((time) => ({ pc, time, reports: {} }));

  for (const [id, { type, reports }] of reportsById) {
    if (!isRemote(type) && reports.every((report) => !report || pollIndex.has(report.timestamp))) {
      for (const report of reports) if (report) samples[pollIndex.get(report.timestamp) as number].reports[id] = report;
      continue;
    }
    const offset = remoteOffset(reports, polls);
    reports.forEach((report, i) => {
      const sample = samples[offset + i];
      if (report && sample) sample.reports[id] = report;
    });
  }
  return samples.filter((sample) => Object.keys(sample.reports).length > 0);
}

/** Largest offset such that every point's timestamp is at or before the poll it lands on (1 ms slack). */
function remoteOffset(reports: (StatsReport | undefined)[], polls: number[]): number {
  for (let offset = polls.length - reports.length; offset >= 0; offset--) {
    let fits = true;
    for (let i = 0; i < reports.length && fits; i++) {
      const report = reports[i];
      if (report && report.timestamp > polls[offset + i] + 1) fits = false;
    }
    if (fits) return offset;
  }
  return Math.max(0, polls.length - reports.length);
}

/** Decodes a whole webrtc-internals dump (already gunzipped) into `sink`. */
export function decodeWebrtcInternals(input: string | Buffer, sink: DumpSink, options?: InternalsDecoderOptions): void {
  runGuarded(sink, 'webrtc-internals dump', (guarded) => new InternalsDecoder(guarded, options).decode(input));
}
