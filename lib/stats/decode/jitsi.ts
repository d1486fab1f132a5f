/**
 * Decoder for Jitsi rtcstats dumps (protocol `3.1_STANDARD`, rtcstats-protocol.md §1.2): one JSON array per line,
 * `["connectionInfo", null, {...}, ts]` first, then `[method, pcId, value, absoluteTs, seq?]`.
 *
 * - Times are absolute already (the client's `Date.now()`); the trailing sequence number is transport-level and
 *   dropped.
 * - `getstats` (lowercase) uses Jitsi's delta scheme: reports whose `timestamp` is 0 take the entry's top-level
 *   `timestamp`, a missing `timestamp` keeps the base's, properties merge over the base report, and base reports
 *   absent from the entry are gone. Report ids are the browser's originals.
 * - Method names are not compressed; values are kept as sent (SDPs may be `''` when the client had `sendSdp` off).
 *
 * Metadata: `connectionInfo` gives url/origin/userAgent/clientProtocol (fileFormat = its protocol iteration,
 * e.g. `3.1`) and startTime (the line's ts). Each `identity` line adds identity, mapped by `jitsi-identity.ts`
 * (the one rule the WebSocket ingest uses too). `meetingUniqueId` (the meeting instance, shared by all participants), `confID`, `endpointId`, `sessionId`,
 * `deviceId`, `userId`, `applicationName` go to `extra`. Metadata is re-sent, merged, after each identity line.
 * Identity lines are also events (`pc: null`, type `identity`), since they carry client configuration.
 */

import type { DumpMetadata, DumpSink, StatsReport } from '../model';
import { connectionInfoCandidates, identityCandidates, identityText, JitsiIdentityPicker } from './jitsi-identity';
import { forEachLine, LineDecoder, type LineDecoderOptions, NO_REPORTS } from './line-decoder';
import { isObject, STATE_EVENTS, unquoteState } from './values';

/** Pre-standard Firefox (< 66) stats types, still found in old dumps. */
const TYPE_ALIASES: Record<string, string> = {
  inboundrtp: 'inbound-rtp',
  outboundrtp: 'outbound-rtp',
  candidatepair: 'candidate-pair',
  localcandidate: 'local-candidate',
  remotecandidate: 'remote-candidate',
};

/** Identity fields kept in `metadata.extra` (the identity line also carries the whole client config). */
const IDENTITY_EXTRA_KEYS = [
  'meetingUniqueId',
  'confID',
  'endpointId',
  'sessionId',
  'deviceId',
  'userId',
  'applicationName',
];
const CONNECTION_INFO_KEYS = new Set(['url', 'origin', 'userAgent', 'clientProtocol']);

type Reports = Record<string, StatsReport>;

/**
 * Normalizes the getstats value to `{id: report}`: some clients serialized the RTCStatsReport Map as an array of
 * `[id, report]` pairs, or as an array of reports carrying `id`.
 */
function reportsObject(value: unknown): Record<string, unknown> | undefined {
  if (isObject(value)) return value;
  if (!Array.isArray(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const entry of value) {
    if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string') out[entry[0]] = entry[1];
    else if (isObject(entry) && typeof entry.id === 'string') out[entry.id] = entry;
  }
  return out;
}

/**
 * Inverse of Jitsi's `deltaCompression` (jitsi/rtcstats-server `getstats-deltacompression.js`). Never mutates
 * `base`, so results can be kept as the next base without cloning. Non-object entries are listed in `skipped`.
 */
export function jitsiStatsDecompression(base: Reports, delta: Record<string, unknown>, skipped?: string[]): Reports {
  const top = delta.timestamp;
  const topTimestamp = typeof top === 'number' && Number.isFinite(top) ? top : undefined;
  const result: Reports = {};
  for (const id in delta) {
    if (id === 'timestamp' && typeof delta[id] !== 'object') continue;
    const entry = delta[id];
    if (!isObject(entry) || id === '__proto__') {
      skipped?.push(id);
      continue;
    }
    const previous = base[id];
    const report: Record<string, unknown> = previous ? { ...previous } : {};
    for (const name in entry) {
      if (name === '__proto__') continue;
      report[name] = entry[name];
    }
    if (entry.timestamp === 0 || (entry.timestamp === undefined && previous === undefined)) {
      report.timestamp = topTimestamp;
    } else if (entry.timestamp === undefined) {
      report.timestamp = previous?.timestamp;
    }
    if (typeof report.type === 'string' && Object.hasOwn(TYPE_ALIASES, report.type))
      report.type = TYPE_ALIASES[report.type];
    report.id = id;
    result[id] = report as StatsReport;
  }
  return result;
}

export class JitsiDecoder extends LineDecoder {
  private meta: DumpMetadata = { format: 'jitsi' };
  private metadataSent = false;
  /** Latest entry time so far: the base of the server close line's delta. */
  private lastTime = 0;
  private readonly statsBase = new Map<string, Reports>();
  /** Connection ids already warned about typeless reports. */
  private readonly typelessWarned = new Set<string>();

  constructor(sink: DumpSink, options?: LineDecoderOptions) {
    super(sink, options);
  }

  protected decodeLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.warn(`line ${this.lineNumber}: invalid JSON, skipped`);
      return;
    }
    if (!Array.isArray(parsed)) {
      this.warn(`line ${this.lineNumber}: not an entry array, skipped`);
      return;
    }
    const [method, rawPc, rawValue, rawTime] = parsed;
    // The server's own closing line, `["close", null, code, msAfterLastMessage]`, carries a delta, not an epoch.
    const time = isServerCloseLine(method, rawPc, rawValue, rawTime) ? this.lastTime + rawTime : rawTime;
    if (typeof method !== 'string') {
      this.warn(`line ${this.lineNumber}: method is not a string, skipped`);
      return;
    }
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      this.warn(`line ${this.lineNumber}: ${method.slice(0, 60)} has no numeric timestamp, skipped`);
      return;
    }
    if (time > this.lastTime) this.lastTime = time;
    let pc: string | null;
    if (rawPc === null || rawPc === undefined) pc = null;
    else if (typeof rawPc === 'string' || typeof rawPc === 'number') pc = String(rawPc);
    else {
      this.warn(`line ${this.lineNumber}: connection id is not a string, skipped`);
      return;
    }

    if (method === 'connectionInfo') {
      this.connectionInfo(parseMaybeJson(rawValue), time);
      return;
    }
    if (!this.metadataSent) {
      this.warn(`line ${this.lineNumber}: entry before connectionInfo`);
      this.sendMetadata();
    }
    if (method === 'getstats' || method === 'getStats') {
      this.decodeStats(pc, time, rawValue);
      return;
    }
    let value = rawValue;
    if (method === 'identity') this.identity(parseMaybeJson(rawValue));
    if (STATE_EVENTS.has(method)) value = unquoteState(value);
    this.sink.event({ pc, type: method, time, value, extra: [] });
  }

  protected finish(): void {
    if (!this.metadataSent) {
      this.warn('end of input: no connectionInfo and no entries');
      this.sendMetadata();
    }
  }

  private sendMetadata(): void {
    this.metadataSent = true;
    this.sink.metadata({ ...this.meta, ...(this.meta.extra ? { extra: { ...this.meta.extra } } : {}) });
  }

  private connectionInfo(info: unknown, time: number): void {
    if (!isObject(info)) {
      this.warn(`line ${this.lineNumber}: connectionInfo is not an object`);
      info = {};
    }
    const fields = info as Record<string, unknown>;
    const meta = this.meta;
    meta.startTime ??= time;
    if (typeof fields.url === 'string') meta.url = fields.url;
    if (typeof fields.origin === 'string') meta.origin = fields.origin;
    if (typeof fields.userAgent === 'string') meta.userAgent = fields.userAgent;
    if (typeof fields.clientProtocol === 'string') {
      meta.clientProtocol = fields.clientProtocol;
      meta.fileFormat = fields.clientProtocol.split('_')[0];
    }
    const extra = { ...meta.extra };
    for (const key in fields) if (!CONNECTION_INFO_KEYS.has(key)) extra[key] = fields[key];
    meta.extra = extra;
    this.pickIdentity(connectionInfoCandidates(fields));
    this.sendMetadata();
  }

  private identity(fields: unknown): void {
    if (!isObject(fields)) {
      this.warn(`line ${this.lineNumber}: identity is not an object`);
      return;
    }
    const meta = this.meta;
    const extra = { ...meta.extra };
    for (const key of IDENTITY_EXTRA_KEYS) {
      if (identityText(fields[key]) !== undefined) extra[key] = fields[key];
    }
    meta.extra = extra;
    this.pickIdentity(identityCandidates(fields));
    this.sendMetadata();
  }

  private readonly identityPicker = new JitsiIdentityPicker();

  private pickIdentity(candidates: Parameters<JitsiIdentityPicker['add']>[0]): void {
    Object.assign(this.meta, this.identityPicker.add(candidates).identity);
  }

  private decodeStats(pc: string | null, time: number, value: unknown): void {
    if (pc === null) {
      this.warn(`line ${this.lineNumber}: getstats without a connection id, skipped`);
      return;
    }
    const delta = reportsObject(value);
    if (!delta) {
      this.warn(`line ${this.lineNumber}: getstats value is not an object, skipped`);
      return;
    }
    if (this.statsTimesOnly) {
      this.sink.stats({ pc, time, reports: NO_REPORTS });
      return;
    }
    const skipped: string[] = [];
    const reports = jitsiStatsDecompression(this.statsBase.get(pc) ?? {}, delta, skipped);
    if (skipped.length > 0) {
      this.warn(`line ${this.lineNumber}: getstats entries ${skipped.slice(0, 5).join(', ')} are not reports, skipped`);
    }
    let typeless = false;
    for (const id in reports) {
      const report = reports[id];
      if (typeof report.type !== 'string') {
        report.type = 'unknown';
        typeless = true;
      }
      if (typeof report.timestamp !== 'number') report.timestamp = time;
    }
    if (typeless && !this.typelessWarned.has(pc)) {
      this.typelessWarned.add(pc);
      this.warn(`line ${this.lineNumber}: ${pc} has reports without type (their first transmission is missing)`);
    }
    this.statsBase.set(pc, reports);
    this.sink.stats({ pc, time, reports });
  }
}

/** Some clients stringified entry values; objects are used as they are. */
/** Epoch times are ~1.7·10¹²; a server close line's delta is milliseconds to minutes. */
const MAX_CLOSE_DELTA_MS = 1e10;

function isServerCloseLine(method: unknown, pc: unknown, value: unknown, time: unknown): time is number {
  return method === 'close' && pc === null && typeof value === 'number' && typeof time === 'number' && time >= 0 && time < MAX_CLOSE_DELTA_MS;
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string' || !value.startsWith('{')) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Decodes a whole Jitsi dump (already gunzipped) into `sink`. */
export function decodeJitsi(input: string | Buffer, sink: DumpSink, options?: LineDecoderOptions): void {
  const decoder = new JitsiDecoder(sink, options);
  if (typeof input === 'string') forEachLine(input, (line) => decoder.pushLine(line));
  else decoder.push(input);
  decoder.end();
}
