/**
 * rtcstats-js static compression tables and the decompression half of its algorithms
 * (rtcstats-protocol.md §1.1.3–1.1.5). "Numbers must not be reassigned" upstream, so the tables are static.
 *
 * Everything here is pure except `StatsDecompressor`. `statsDecompression` never mutates its `base` argument, so
 * the previous result can be kept as the next base without a deep clone (that clone was the reference reader's main
 * cost). `StatsDecompressor` is its in-place twin, used by the decoder: it updates one connection's reports where
 * they are instead of copying every report of every sample (which was still most of the decoding time).
 */

import type { StatsReport } from '../model';
import { isObject } from './values';

/** Method name → wire key (as the client compresses). */
const METHOD_TABLE: Record<string, string | number> = {
  getStats: 'g',
  createOffer: 2,
  createOfferOnSuccess: 3,
  createOfferOnFailure: 12,
  createAnswer: 4,
  createAnswerOnSuccess: 5,
  createAnswerOnFailure: 13,
  setLocalDescription: 6,
  setLocalDescriptionOnSuccess: 7,
  setLocalDescriptionOnFailure: 14,
  setRemoteDescription: 8,
  setRemoteDescriptionOnSuccess: 9,
  setRemoteDescriptionOnFailure: 15,
  addIceCandidate: 10,
  addIceCandidateOnSuccess: 11,
  addIceCandidateOnFailure: 16,
  onicecandidate: 20,
  onicecandidateerror: 21,
  ontrack: 22,
  onsignalingstatechange: 23,
  oniceconnectionstatechange: 24,
  onconnectionstatechange: 25,
  onicegatheringstatechange: 26,
  onnegotiationneeded: 27,
  ondatachannel: 28,
  addTrack: 30,
  addTrackOnSuccess: 31,
  addTransceiver: 32,
  addTransceiverOnSuccess: 33,
  removeTrack: 34,
  createDataChannel: 35,
  close: 36,
  restartIce: 37,
  setConfiguration: 38,
  create: 39,
  constraints: 40,
  setCodecPreferences: 41,
  setHeaderExtensionsToNegotiate: 42,
  setParameters: 50,
  replaceTrack: 51,
  'navigator.mediaDevices.getUserMedia': 60,
  'navigator.mediaDevices.getUserMediaOnSuccess': 61,
  // 62 is unusable: a copy-paste bug upstream made released clients send 65 for getUserMediaOnFailure.
  'navigator.mediaDevices.getUserMediaOnFailure': 65,
  'navigator.mediaDevices.getDisplayMedia': 63,
  'navigator.mediaDevices.getDisplayMediaOnSuccess': 64,
  'navigator.mediaDevices.enumerateDevices': 66,
  'navigator.mediaDevices.ondevicechange': 67,
  'MediaStreamTrack.stop': 70,
  'MediaStreamTrack.applyConstraints': 71,
  'MediaStreamTrack.onended': 72,
  'MediaStreamTrack.onmute': 73,
  'MediaStreamTrack.onunmute': 74,
  'HTMLMediaElement.resize': 80,
};

/** Keys only a future client will send; readers must already understand them. */
const METHOD_DECOMPRESSION_ONLY: Record<string, string> = {
  1: 'getStats',
  68: 'navigator.mediaDevices.getDisplayMediaOnFailure',
};

const STATS_TYPE_TABLE: Record<string, number> = {
  'inbound-rtp': 1,
  'outbound-rtp': 2,
  'remote-inbound-rtp': 3,
  'remote-outbound-rtp': 4,
  transport: 5,
  'candidate-pair': 6,
  'local-candidate': 7,
  'remote-candidate': 8,
  'data-channel': 9,
  'peer-connection': 10,
  certificate: 11,
  'media-source': 12,
  'media-playout': 13,
  codec: 14,
};

/** Property name → wire key. `type` and `id` are never renamed (2 and 3 are commented out upstream). */
const STATS_PROPERTY_TABLE: Record<string, string | number> = {
  timestamp: 't',
  payloadType: 4,
  transportId: 5,
  mimeType: 6,
  clockRate: 7,
  channels: 8,
  sdpFmtpLine: 9,
  ssrc: 10,
  kind: 11,
  codecId: 12,
  packetsReceived: 14,
  packetsLost: 15,
  jitter: 16,
  trackIdentifier: 17,
  mid: 18,
  remoteId: 19,
  framesDecoded: 20,
  keyFramesDecoded: 21,
  framesDropped: 22,
  frameWidth: 23,
  frameHeight: 24,
  framesPerSecond: 25,
  qpSum: 26,
  totalDecodeTime: 27,
  totalInterFrameDelay: 28,
  totalSquaredInterFrameDelay: 29,
  pauseCount: 30,
  totalPausesDuration: 31,
  freezeCount: 32,
  totalFreezesDuration: 33,
  lastPacketReceivedTimestamp: 34,
  headerBytesReceived: 35,
  packetsDiscarded: 36,
  fecPacketsReceived: 37,
  fecPacketsDiscarded: 38,
  fecBytesReceived: 39,
  fecSsrc: 40,
  bytesReceived: 41,
  nackCount: 42,
  firCount: 43,
  pliCount: 44,
  totalProcessingDelay: 45,
  estimatedPlayoutTimestamp: 46,
  jitterBufferDelay: 47,
  jitterBufferTargetDelay: 48,
  jitterBufferEmittedCount: 49,
  jitterBufferMinimumDelay: 50,
  totalSamplesReceived: 51,
  concealedSamples: 52,
  silentConcealedSamples: 53,
  concealmentEvents: 54,
  insertedSamplesForDeceleration: 55,
  removedSamplesForAcceleration: 56,
  audioLevel: 57,
  totalAudioEnergy: 58,
  totalSamplesDuration: 59,
  framesReceived: 60,
  decoderImplementation: 61,
  playoutId: 62,
  powerEfficientDecoder: 63,
  framesAssembledFromMultiplePackets: 64,
  totalAssemblyTime: 65,
  contentType: 66,
  googTimingFrameInfo: 67,
  retransmittedPacketsReceived: 68,
  retransmittedBytesReceived: 69,
  rtxSsrc: 70,
  totalCorruptionProbability: 71,
  totalSquaredCorruptionProbability: 72,
  corruptionMeasurements: 73,
  localId: 74,
  roundTripTime: 75,
  totalRoundTripTime: 76,
  fractionLost: 77,
  roundTripTimeMeasurements: 78,
  packetsSent: 79,
  bytesSent: 80,
  mediaSourceId: 81,
  rid: 82,
  encodingIndex: 83,
  headerBytesSent: 84,
  retransmittedPacketsSent: 85,
  retransmittedBytesSent: 86,
  targetBitrate: 87,
  totalEncodedBytesTarget: 88,
  framesSent: 89,
  hugeFramesSent: 90,
  framesEncoded: 91,
  keyFramesEncoded: 92,
  totalEncodeTime: 93,
  totalPacketSendDelay: 94,
  qualityLimitationReason: 95,
  qualityLimitationDurations: 96,
  qualityLimitationResolutionChanges: 97,
  encoderImplementation: 98,
  powerEfficientEncoder: 99,
  active: 100,
  scalabilityMode: 101,
  remoteTimestamp: 102,
  reportsSent: 103,
  echoReturnLoss: 104,
  echoReturnLossEnhancement: 105,
  width: 106,
  height: 107,
  frames: 108,
  synthesizedSamplesDuration: 109,
  synthesizedSamplesEvents: 110,
  totalPlayoutDelay: 111,
  totalSamplesCount: 112,
  dataChannelsOpened: 113,
  dataChannelsClosed: 114,
  label: 115,
  protocol: 116,
  dataChannelIdentifier: 117,
  state: 118,
  messagesSent: 119,
  messagesReceived: 120,
  iceRole: 121,
  iceLocalUsernameFragment: 122,
  dtlsState: 123,
  iceState: 124,
  selectedCandidatePairId: 125,
  localCertificateId: 126,
  remoteCertificateId: 127,
  tlsVersion: 128,
  dtlsCipher: 129,
  dtlsRole: 130,
  srtpCipher: 131,
  selectedCandidatePairChanges: 132,
  rtcpTransportStatsId: 133,
  address: 134,
  port: 135,
  candidateType: 136,
  priority: 137,
  url: 138,
  relayProtocol: 139,
  foundation: 140,
  relatedAddress: 141,
  relatedPort: 142,
  usernameFragment: 143,
  tcpType: 144,
  networkType: 145,
  localCandidateId: 148,
  remoteCandidateId: 149,
  nominated: 150,
  lastPacketSentTimestamp: 151,
  currentRoundTripTime: 152,
  availableOutgoingBitrate: 153,
  availableIncomingBitrate: 154,
  requestsReceived: 155,
  requestsSent: 156,
  responsesReceived: 157,
  responsesSent: 158,
  consentRequestsSent: 159,
  packetsDiscardedOnSend: 160,
  bytesDiscardedOnSend: 161,
  fingerprint: 163,
  fingerprintAlgorithm: 164,
  base64Certificate: 165,
  issuerCertificateId: 166,
};

/** Not emitted by released clients yet, but readers must already know them. */
const STATS_PROPERTY_DECOMPRESSION_ONLY: Record<string, string> = {
  167: 'psnrMeasurements',
  168: 'psnrSum',
  169: 'packetsReceivedWithEct1',
  170: 'packetsReceivedWithCe',
  171: 'packetsReportedAsLost',
  172: 'packetsReportedAsLostButRecovered',
  173: 'packetsWithBleachedEct1Marking',
  174: 'packetsSentWithEct1',
  175: 'ccfbMessagesSent',
  176: 'ccfbMessagesReceived',
};

/** Reverse lookups use null-prototype objects so wire keys like `constructor` or `__proto__` pass through. */
function reverse(table: Record<string, string | number>, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, key] of Object.entries(table)) out[String(key)] = name;
  for (const [key, name] of Object.entries(extra)) out[key] = name;
  return out;
}

const METHOD_BY_KEY = reverse(METHOD_TABLE, METHOD_DECOMPRESSION_ONLY);
const METHOD_NAMES: Record<string, true> = Object.fromEntries(Object.values(METHOD_BY_KEY).map((name) => [name, true]));
const STATS_TYPE_BY_KEY = reverse(STATS_TYPE_TABLE);
const STATS_PROPERTY_BY_KEY = reverse(STATS_PROPERTY_TABLE, STATS_PROPERTY_DECOMPRESSION_ONLY);

/** Wire method key → method name; unknown keys (custom `:methods`, strings) pass through as strings. */
export function decompressMethod(key: string | number): string {
  return METHOD_BY_KEY[String(key)] ?? String(key);
}

/** An rtcstats-js API method name (decompressed): not one of the page's own custom trace calls. */
export function isRtcstatsMethod(name: string): boolean {
  return Object.hasOwn(METHOD_NAMES, name);
}

/** Compressed stats `type` value → full type string; unknown values (e.g. `compute-pressure`) pass through. */
export function decompressStatsType(key: unknown): unknown {
  if (typeof key !== 'number' && typeof key !== 'string') return key;
  return STATS_TYPE_BY_KEY[String(key)] ?? key;
}

/** Compressed property key → property name; unknown keys pass through. */
export function decompressStatsProperty(key: string): string {
  return STATS_PROPERTY_BY_KEY[key] ?? key;
}

/** Exposed for tests and for encoders of synthetic dumps. */
export function compressMethod(method: string): string | number {
  return Object.hasOwn(METHOD_TABLE, method) ? METHOD_TABLE[method] : method;
}
export function compressStatsProperty(name: string): string | number {
  return Object.hasOwn(STATS_PROPERTY_TABLE, name) ? STATS_PROPERTY_TABLE[name] : name;
}

/** Decompressed getStats result: short report id → report. */
export type DecompressedStats = Record<string, StatsReport>;

/**
 * Inverse of rtcstats-js `statsCompression` (§1.1.4).
 *
 * - `delta[id] === null`: the report was removed since `base`.
 * - A report absent from `delta` is unchanged: a shallow copy of the base report (its timestamp moves to `t`).
 * - Properties absent from a delta report come from the base; object-valued properties (e.g.
 *   `qualityLimitationDurations`) merge sub-keys, arrays are replaced whole. (Upstream also "merges" when only the
 *   base value is an object; that corner is not reproduced: a non-object new value simply replaces it.)
 * - Top-level `t` is the timestamp of every report that does not carry its own.
 *
 * Every returned report carries `id` (the short id). Entries of `delta` that are neither objects nor null are
 * ignored (and listed in `skipped`), so a corrupted delta degrades instead of throwing. Ids without a base report
 * are listed in `created` (only those can lack `type` or `timestamp`, so callers check just them).
 *
 * Every report is a fresh object (a spread of its base report with the delta written over it): simple, but copying
 * ~24 reports of ~40 properties per sample is most of the decoding cost. The decoder uses `StatsDecompressor`,
 * which gives the same results in place; this pure form is the reference (and what tests of the rules use).
 */
export function statsDecompression(
  base: DecompressedStats,
  delta: Record<string, unknown>,
  skipped?: string[],
  created?: string[],
): DecompressedStats {
  const result: Record<string, Record<string, unknown>> = {};
  const rawT = delta.t;
  const timestamp = typeof rawT === 'number' && Number.isFinite(rawT) ? rawT : undefined;

  // Unchanged reports first: absent from the delta (a `null` entry means removed).
  // Object.keys rather than for-in: report ids are integer-like, which for-in enumerates slowly.
  const baseIds = Object.keys(base);
  for (let i = 0; i < baseIds.length; i++) {
    const id = baseIds[i];
    if (delta[id] !== undefined) continue;
    const copy = { ...base[id] } as Record<string, unknown>;
    if (timestamp !== undefined) copy.timestamp = timestamp;
    result[id] = copy;
  }

  const ids = Object.keys(delta);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === 't') continue;
    const compressed = delta[id];
    if (compressed === null) continue;
    // `__proto__` as a key would replace the prototype instead of adding a report.
    if (!isObject(compressed) || id === '__proto__') {
      skipped?.push(id);
      continue;
    }
    const previous = base[id] as Record<string, unknown> | undefined;
    if (!previous) created?.push(id);
    const report: Record<string, unknown> = previous ? { ...previous } : {};
    const flags = updateReport(report, compressed, Object.keys(compressed), previous);
    report.id = id;
    // A report keeps its own timestamp (e.g. remote-inbound-rtp RTCP arrival time) when the delta carried one.
    if (timestamp !== undefined && (flags & OWN_TIMESTAMP) === 0) report.timestamp = timestamp;
    result[id] = report;
  }
  return result as DecompressedStats;
}

/**
 * The decoder's stateful, in-place form of `statsDecompression` for one connection's chain of deltas:
 * `apply(delta)` returns exactly what `statsDecompression(previousResult, delta)` would, but the reports that were
 * already there are updated in place instead of being copied. Only the id → report container is new per call.
 *
 * So a returned report is only valid until the next `apply` (the `DumpSink.stats` contract in model.ts): whoever
 * keeps one must copy it. Sub-objects (e.g. `qualityLimitationDurations`) and arrays are never mutated: a merge or
 * a new value replaces them, so a reference to one stays valid.
 */
export class StatsDecompressor {
  private base: Record<string, Record<string, unknown>> = {};
  /**
   * While every report id is an array index ("0", "17": what rtcstats-js sends), `base` itself is handed out and
   * kept up to date: index keys enumerate in numeric order whatever the insertion order, exactly as in the fresh
   * objects `statsDecompression` builds. `ids` lists its keys. Any other id switches to a fresh container per call
   * (their order depends on which reports changed).
   */
  private indexIds = true;
  private ids: string[] = [];

  apply(delta: Record<string, unknown>, skipped?: string[], created?: string[]): DecompressedStats {
    const rawT = delta.t;
    const timestamp = typeof rawT === 'number' && Number.isFinite(rawT) ? rawT : undefined;
    const ids = Object.keys(delta);
    if (this.indexIds && !onlyIndexIds(ids)) this.indexIds = false;
    return this.indexIds
      ? this.applyInPlace(delta, ids, timestamp, skipped, created)
      : this.applyFresh(delta, ids, timestamp, skipped, created);
  }

  /** Every id is an index key: `base` is updated and returned. */
  private applyInPlace(
    delta: Record<string, unknown>,
    ids: string[],
    timestamp: number | undefined,
    skipped?: string[],
    created?: string[],
  ): DecompressedStats {
    const base = this.base;
    // Unchanged reports (absent from the delta) only take the new timestamp.
    if (timestamp !== undefined) {
      const live = this.ids;
      for (let i = 0; i < live.length; i++) {
        const id = live[i];
        if (delta[id] === undefined) base[id].timestamp = timestamp;
      }
    }
    let removed = false;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === 't') continue;
      const compressed = delta[id];
      if (!isObject(compressed)) {
        // `null`: removed. Anything else is skipped, and as it is not `undefined` the report is gone too.
        if (compressed !== null) skipped?.push(id);
        if (compressed !== undefined && base[id] !== undefined) {
          delete base[id];
          removed = true;
        }
        continue;
      }
      const keys = Object.keys(compressed);
      let report = base[id];
      let flags: number;
      if (report === undefined) {
        created?.push(id);
        report = {};
        flags = updateReport(report, compressed, keys, undefined);
        base[id] = report;
        if (!removed) this.ids.push(id);
      } else {
        flags = updateReport(report, compressed, keys, repeatsAName(keys) ? { ...report } : report);
      }
      report.id = id;
      if (timestamp !== undefined && (flags & OWN_TIMESTAMP) === 0) report.timestamp = timestamp;
    }
    if (removed) this.ids = Object.keys(base);
    return base as DecompressedStats;
  }

  /** General case: a fresh container per call, in `statsDecompression`'s order; reports still updated in place. */
  private applyFresh(
    delta: Record<string, unknown>,
    ids: string[],
    timestamp: number | undefined,
    skipped?: string[],
    created?: string[],
  ): DecompressedStats {
    const base = this.base;
    const result: Record<string, Record<string, unknown>> = {};
    const baseIds = Object.keys(base);
    for (let i = 0; i < baseIds.length; i++) {
      const id = baseIds[i];
      if (delta[id] !== undefined) continue;
      const report = base[id];
      if (timestamp !== undefined) report.timestamp = timestamp;
      result[id] = report;
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === 't') continue;
      const compressed = delta[id];
      if (compressed === null) continue;
      if (!isObject(compressed) || id === '__proto__') {
        skipped?.push(id);
        continue;
      }
      // `base[id]` as `statsDecompression` reads it: an id like `toString` finds an inherited function, which is
      // copied (into a fresh object), never written to. The reports this class makes are always plain objects.
      const previous = base[id] as Record<string, unknown> | undefined;
      if (!previous) created?.push(id);
      const keys = Object.keys(compressed);
      let report: Record<string, unknown>;
      let flags: number;
      if (typeof previous === 'object') {
        report = previous;
        flags = updateReport(report, compressed, keys, repeatsAName(keys) ? { ...previous } : previous);
      } else {
        // Absent, or inherited (a function): as `statsDecompression` does, a fresh spread of it.
        const inherited = base[id] as Record<string, unknown> | undefined;
        report = inherited ? { ...inherited } : {};
        flags = updateReport(report, compressed, keys, inherited);
      }
      report.id = id;
      if (timestamp !== undefined && (flags & OWN_TIMESTAMP) === 0) report.timestamp = timestamp;
      result[id] = report;
    }
    this.base = result;
    return result as DecompressedStats;
  }
}

/** Index keys enumerate first, so only the trailing keys need a look: true when all but `t` are index keys. */
function onlyIndexIds(ids: string[]): boolean {
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i];
    if (isIndexKey(id)) return true;
    if (id !== 't') return false;
  }
  return true;
}

/** Every full property name a compressed key stands for. */
const STATS_PROPERTY_NAMES: ReadonlySet<string> = new Set(Object.values(STATS_PROPERTY_BY_KEY));

/** True for canonical array-index keys ("0", "17"), which enumerate before every other key. */
function isIndexKey(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > 10) return false;
  const first = key.charCodeAt(0);
  if (first === 48) return n === 1;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n < 10 || Number(key) < 4294967295;
}

/**
 * Whether a compressed report names one property twice (`96` and `qualityLimitationDurations`, `t` and
 * `timestamp`): only a full name can repeat a compressed key, and full names are never index keys, so only the
 * trailing non-index keys of `Object.keys` order are looked at (usually none, or `type`). Real clients never do
 * this.
 */
function repeatsAName(keys: string[]): boolean {
  for (let k = keys.length - 1; k >= 0; k--) {
    const key = keys[k];
    if (isIndexKey(key)) return false;
    if (key !== 't' && STATS_PROPERTY_NAMES.has(key)) return true;
  }
  return false;
}

/** `updateReport` result flag: the report carried its own valid timestamp. */
const OWN_TIMESTAMP = 1;

/**
 * Writes one compressed report (`keys` = `Object.keys(compressed)`) over `report` with `statsDecompression`'s
 * rules. `before` is the report as it was before this delta (what sub-objects merge with); it may be `report`
 * itself when no property is named twice. Returns OWN_TIMESTAMP when the report carried its own valid timestamp.
 *
 * (Reports grown by keyed stores end up in V8 dictionary mode. Re-laying them out as fast objects, with a spread
 * copy whenever a property was added, was measured: the analyser got no faster and decoding 4 ms slower per hour.)
 */
function updateReport(
  report: Record<string, unknown>,
  compressed: Record<string, unknown>,
  keys: string[],
  before: Record<string, unknown> | undefined,
): number {
  let flags = 0;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    const name = STATS_PROPERTY_BY_KEY[key] ?? key;
    let value = compressed[key];
    if (name === 'type') {
      value = decompressStatsType(value);
      if (typeof value !== 'string') continue; // corrupted: keep the base type
    } else if (name === 'timestamp') {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue; // corrupted: fall back to `t`
      flags |= OWN_TIMESTAMP;
    } else if (name === '__proto__') continue;
    else if (before !== undefined && isObject(value)) {
      const old = before[name];
      if (isObject(old)) value = { ...old, ...value };
    }
    report[name] = value;
  }
  return flags;
}

export interface SessionDescriptionLike {
  type?: unknown;
  sdp?: unknown;
  [key: string]: unknown;
}

/** Splits an SDP into its session section and media sections, trimmed (as upstream `splitSections`). */
function splitSections(sdp: string): string[] {
  return sdp.split('\nm=').map((part, index) => (index > 0 ? `m=${part}` : part).trim());
}

/** Section placeholder the compressor writes for "same as the base at this index". */
function placeholder(index: number): string {
  return index === 0 ? 'v=' : 'm=';
}

/** True when the description still has `v=`/`m=` placeholders, i.e. it is compressed. */
export function isCompressedDescription(description: unknown): boolean {
  if (!isObject(description) || typeof description.sdp !== 'string') return false;
  return splitSections(description.sdp).some((section, index) => section === placeholder(index));
}

/**
 * Inverse of `descriptionCompression` (§1.1.5): placeholder sections are replaced by the base section at the same
 * index. Returns `next` unchanged when there is no usable base (missing, other type, no SDP). Placeholders whose
 * index the base does not have stay as they are (see `isCompressedDescription`).
 */
export function descriptionDecompression<T extends SessionDescriptionLike>(
  base: SessionDescriptionLike | null | undefined,
  next: T,
): T {
  if (
    !base ||
    !isObject(next) ||
    base.type !== next.type ||
    typeof next.sdp !== 'string' ||
    typeof base.sdp !== 'string' ||
    !next.sdp ||
    !base.sdp
  ) {
    return next;
  }
  const baseSections = splitSections(base.sdp);
  const sdp = `${splitSections(next.sdp)
    .map((section, index) =>
      section === placeholder(index) && baseSections[index] !== undefined ? baseSections[index] : section,
    )
    .join('\r\n')
    .trim()}\r\n`;
  return { ...next, sdp };
}
