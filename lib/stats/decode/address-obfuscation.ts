/**
 * IP addresses that must not be stored long-term, obfuscated the way rtcstats-server's `ObfuscateStream` does
 * (rtcstats-shared `address-obfuscator.js`), line by line on a finished dump: ICE candidates (except a relay
 * candidate's own address: the TURN server, kept so sessions can be grouped by it; `raddr` always), SDP
 * `a=candidate:`, `c=` and `a=rtcp:` lines, getStats `address` / `relatedAddress` (plain or compressed keys; `ip`
 * dropped with the address), and `publicIP`. rtcstats-js obfuscates in the browser; Jitsi's client does not, so
 * the server does it for every dump. Lines with nothing to change are kept byte for byte. A chrome://webrtc-internals
 * document (one JSON, uploaded) gets the same rules on its update log and its address stats series.
 */
import { compressStatsProperty, decompressMethod } from './rtcstats-compression';
import { isObject } from './values';

/**
 * rtcstats' address rule: keep loopback and unspecified, IPv4 → last octet `x`, IPv6 → first three groups then
 * `x`s; hostnames (mDNS `.local` included) unchanged.
 */
export function obfuscateIp(address: string): string {
  if (address === '::1' || address === '127.0.0.1' || address === '0.0.0.0') return address;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.x`;
  const mapped = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(address);
  if (mapped) return `::ffff:${obfuscateIp(mapped[1])}`;
  if (address.includes(':')) {
    const groups = address.split(':');
    return `${groups.slice(0, 3).join(':')}:x:x:x:x:x`;
  }
  return address;
}

/** `candidate:<foundation> <component> <protocol> <priority> <address> <port> typ <type> [raddr <a> rport <p>] …` */
export function obfuscateCandidate(candidate: string): string {
  const parts = candidate.split(' ');
  const typ = parts.indexOf('typ');
  if (parts.length < 8 || typ < 0) return candidate;
  if (parts[typ + 1] !== 'relay') parts[4] = obfuscateIp(parts[4]);
  const raddr = parts.indexOf('raddr', typ);
  if (raddr > 0 && parts[raddr + 1] !== undefined) parts[raddr + 1] = obfuscateIp(parts[raddr + 1]);
  return parts.join(' ');
}

function obfuscateSdp(sdp: string): string {
  const newline = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(newline)
    .map((line) => {
      if (line.startsWith('a=candidate:')) return `a=${obfuscateCandidate(line.slice(2))}`;
      if (line.startsWith('c=')) return 'c=IN IP4 0.0.0.0';
      if (line.startsWith('a=rtcp:')) return 'a=rtcp:9 IN IP4 0.0.0.0';
      return line;
    })
    .join(newline);
}

const KEYS = {
  address: ['address', String(compressStatsProperty('address'))],
  relatedAddress: ['relatedAddress', String(compressStatsProperty('relatedAddress'))],
  candidateType: ['candidateType', String(compressStatsProperty('candidateType'))],
  ip: ['ip', String(compressStatsProperty('ip'))],
};

/** Returns whether anything changed. */
function obfuscateStats(reports: Record<string, unknown>): boolean {
  let changed = false;
  for (const id in reports) {
    const report = reports[id];
    if (!isObject(report)) continue;
    for (let i = 0; i < 2; i++) {
      const address = report[KEYS.address[i]];
      if (typeof address === 'string' && report[KEYS.candidateType[i]] !== 'relay') {
        report[KEYS.address[i]] = obfuscateIp(address);
        delete report[KEYS.ip[0]];
        delete report[KEYS.ip[1]];
        changed = true;
      }
      const related = report[KEYS.relatedAddress[i]];
      if (typeof related === 'string') {
        report[KEYS.relatedAddress[i]] = obfuscateIp(related);
        changed = true;
      }
    }
  }
  return changed;
}

/** Obfuscates the value of one `[method, pc, value, …]` entry in place; returns whether it changed. */
function obfuscateEntry(method: string, entry: unknown[]): boolean {
  const value = entry[2];
  switch (method) {
    case 'addIceCandidate':
    case 'onicecandidate': {
      if (!isObject(value) || typeof value.candidate !== 'string') return false;
      const candidate = obfuscateCandidate(value.candidate);
      if (candidate === value.candidate) return false;
      value.candidate = candidate;
      return true;
    }
    case 'setLocalDescription':
    case 'setLocalDescriptionOnSuccess':
    case 'setRemoteDescription':
    case 'createOfferOnSuccess':
    case 'createAnswerOnSuccess': {
      if (!isObject(value) || typeof value.sdp !== 'string') return false;
      const sdp = obfuscateSdp(value.sdp);
      if (sdp === value.sdp) return false;
      value.sdp = sdp;
      return true;
    }
    case 'getStats':
    case 'getstats':
      return isObject(value) && obfuscateStats(value);
    case 'publicIP':
      if (Array.isArray(value)) entry[2] = value.map((v) => (typeof v === 'string' ? obfuscateIp(v) : v));
      else if (typeof value === 'string') entry[2] = obfuscateIp(value);
      else return false;
      return true;
    default:
      return false;
  }
}

/** Anything that could be an IP address: four dotted numbers, or hex groups with colons (IPv6). */
const ADDRESS_LIKE = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f]{0,4}/i;

/**
 * One dump line (rtcstats file format 3 or Jitsi) with its addresses obfuscated; the very same line when it carries
 * none or is not an entry (the header, the metadata line and unparsable lines pass through).
 */
export function obfuscateDumpLine(line: string): string {
  // Most lines (getStats deltas, events) hold nothing address-like: they are not parsed at all.
  if (!line.startsWith('[') || !ADDRESS_LIKE.test(line)) return line;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (!Array.isArray(entry) || entry.length < 3) return line;
  const method = typeof entry[0] === 'number' || typeof entry[0] === 'string' ? decompressMethod(entry[0]) : '';
  return obfuscateEntry(method, entry) ? JSON.stringify(entry) : line;
}

const ADDRESS_SERIES = /-(address|ip|relatedAddress)$/;

/** A stats series' values (a JSON array in a string) with each string obfuscated; unchanged when unreadable. */
function obfuscateSeries(series: Record<string, unknown>): void {
  if (typeof series.values !== 'string') return;
  try {
    const values: unknown = JSON.parse(series.values);
    if (Array.isArray(values)) series.values = JSON.stringify(values.map((v) => (typeof v === 'string' ? obfuscateIp(v) : v)));
  } catch {
    // Not an array: the decoder skips such a series too.
  }
}

function isRelayCandidate(stats: Record<string, unknown>, id: string): boolean {
  const types = stats[`${id}-candidateType`];
  return isObject(types) && typeof types.values === 'string' && types.values.includes('"relay"');
}

/**
 * A webrtc-internals document (its `PeerConnections`) obfuscated in place: update-log values (JSON strings of the
 * same objects rtcstats traces) by the rules above, and the `<id>-address` / `-ip` / `-relatedAddress` stats series
 * (a relay candidate keeps its address and ip). Returns whether anything changed.
 */
export function obfuscateInternalsDocument(doc: unknown): boolean {
  if (!isObject(doc) || !isObject(doc.PeerConnections)) return false;
  let changed = false;
  for (const pc of Object.values(doc.PeerConnections)) {
    if (!isObject(pc)) continue;
    for (const update of Array.isArray(pc.updateLog) ? pc.updateLog : []) {
      if (!isObject(update) || typeof update.type !== 'string' || typeof update.value !== 'string' || !update.value.startsWith('{')) continue;
      let value: unknown;
      try {
        value = JSON.parse(update.value);
      } catch {
        continue;
      }
      const entry = [update.type, null, value];
      if (obfuscateEntry(update.type, entry)) {
        update.value = JSON.stringify(entry[2]);
        changed = true;
      }
    }
    if (!isObject(pc.stats)) continue;
    const stats = pc.stats;
    for (const key of Object.keys(stats)) {
      const match = ADDRESS_SERIES.exec(key);
      const series = stats[key];
      if (!match || !isObject(series)) continue;
      const id = key.slice(0, -match[0].length);
      if (match[1] !== 'relatedAddress' && isRelayCandidate(stats, id)) continue;
      obfuscateSeries(series);
      changed = true;
    }
  }
  return changed;
}
