/**
 * A UDP relay that puts itself between WebRTC peers by rewriting their SDP, so a test can impair the media path
 * (loss, delay, a rate limit) without netem. Non-trickle only: every candidate must be inside the SDP.
 *
 * `rewriteSdp(sdp, owner, peer)` opens one relay socket per UDP host candidate of `owner` (bound to the candidate's
 * own IP, a free port) and advertises that socket instead of the candidate; every other candidate (TCP, srflx,
 * relay) is dropped, and an mDNS `.local` candidate is an error (the harness must see real addresses). A relay
 * socket stands for one candidate of `owner` on the connection owner↔peer:
 *
 * - a packet from any address but the real candidate is peer→owner: it goes to the real candidate, and its source
 *   is remembered;
 * - a packet from the real candidate is owner→peer: it goes to the remembered source.
 *
 * Both directions therefore cross the relay whichever candidate pair ICE selects (each side sees the other's relay
 * socket as a peer-reflexive candidate), and the real addresses are never advertised.
 *
 * Impairment is per direction: a packet from A to B passes, in order, the policy of the link A→B, A's upload
 * (`uploadOf(A)`: one stage shared by all of A's connections, like a real uplink) and B's download. Each policy can
 * drop a share of packets (seeded PRNG, so a run is reproducible in sequence), shape to a rate (token bucket, a
 * bounded drop-tail queue) and add a fixed delay; `setPolicy` changes it at run time (queued packets stay queued).
 *
 * Counters per direction and packet class (RFC 7983) and per RTP SSRC (the SRTP header is plaintext), with
 * one-second buckets by arrival time so a test can compute what the relay dropped over any window.
 */
import dgram from 'node:dgram';
import net from 'node:net';

export type PolicyTarget =
  | { scope: 'link'; from: string; to: string }
  | { scope: 'upload'; user: string }
  | { scope: 'download'; user: string };

/** Everything `from` sends to `to` (one connection). */
export const link = (from: string, to: string): PolicyTarget => ({ scope: 'link', from, to });
/** Everything `user` sends, on all connections together (one shared stage). */
export const uploadOf = (user: string): PolicyTarget => ({ scope: 'upload', user });
/** Everything `user` receives, on all connections together (one shared stage). */
export const downloadOf = (user: string): PolicyTarget => ({ scope: 'download', user });

export interface Policy {
  /** Share of packets dropped at random, 0..100. */
  lossPct?: number;
  /**
   * `bernoulli` (default): each packet independently. `stratified`: per flow (one SSRC, or one packet class, of one
   * direction) exactly one packet of every 100/lossPct, at a random place in that run: the same random drops, without
   * the seconds of 2 % and 10 % that independent drops give a 50 packet/s stream.
   */
  lossModel?: 'bernoulli' | 'stratified';
  /** Fixed extra one-way delay. */
  delayMs?: number;
  /** Token-bucket rate in bit/s (IP + UDP headers included: 28 bytes a packet). */
  rateBps?: number;
  /** The shaper's queue holds at most this much data at `rateBps` (drop-tail beyond). Default 200 ms. */
  queueMs?: number;
}

export type PacketClass = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'other';

/** RFC 7983 demultiplexing on the first byte, RFC 5761 for RTP vs RTCP (second byte's payload type 64..95). */
export function classifyPacket(buf: Buffer): PacketClass {
  if (buf.length < 1) return 'other';
  const b0 = buf[0];
  if (b0 <= 3) return 'stun';
  if (b0 >= 20 && b0 <= 63) return 'dtls';
  if (b0 >= 128 && b0 <= 191) {
    if (buf.length < 2) return 'other';
    const pt = buf[1] & 0x7f;
    return pt >= 64 && pt <= 95 ? 'rtcp' : 'rtp';
  }
  return 'other';
}

/** SSRC (bytes 8–11) and payload type of an RTP packet; null for anything else. */
export function rtpHeader(buf: Buffer): { ssrc: number; payloadType: number; seq: number } | null {
  if (classifyPacket(buf) !== 'rtp' || buf.length < 12) return null;
  return { ssrc: buf.readUInt32BE(8), payloadType: buf[1] & 0x7f, seq: buf.readUInt16BE(2) };
}

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function targetKey(t: PolicyTarget): string {
  return t.scope === 'link' ? `link:${t.from}>${t.to}` : `${t.scope}:${t.user}`;
}

const UDP_IP_OVERHEAD = 28;
/** Per-second buckets kept per stream (an hour); beyond it counting goes on in the totals only. */
const MAX_BUCKETS = 3600;

interface Packet {
  buf: Buffer;
  /** Bytes on the wire for the shaper. */
  wire: number;
  /** Direction and SSRC (or packet class): what `stratified` loss spreads over. */
  flow: string;
}

type DropReason = 'loss' | 'queue' | 'closed' | 'no-destination';

class Stage {
  policy: Policy = {};
  private readonly rng: () => number;
  private tokens = 0;
  private lastRefill = 0;
  private queue: { p: Packet; next: (p: Packet) => void; drop: (r: DropReason) => void }[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** stratified loss: per flow, packets seen, runs done, the index of the next drop. */
  private readonly flows = new Map<string, { n: number; k: number; next: number }>();

  constructor(
    readonly key: string,
    seed: number,
    private readonly timers: Set<NodeJS.Timeout>,
  ) {
    this.rng = prng(seed ^ hash(key));
  }

  set(policy: Policy): void {
    if (policy.lossPct !== this.policy.lossPct || policy.lossModel !== this.policy.lossModel) this.flows.clear();
    this.policy = { ...policy };
    if (!policy.rateBps) this.flush();
  }

  push(p: Packet, next: (p: Packet) => void, drop: (r: DropReason) => void): void {
    const { lossPct, delayMs, rateBps } = this.policy;
    if (lossPct && this.lose(p.flow, lossPct)) {
      drop('loss');
      return;
    }
    const out =
      delayMs && delayMs > 0
        ? (q: Packet) => {
            const t = setTimeout(() => {
              this.timers.delete(t);
              next(q);
            }, delayMs);
            this.timers.add(t);
          }
        : next;
    if (!rateBps) {
      out(p);
      return;
    }
    this.refill(rateBps);
    if (this.queue.length === 0 && this.tokens >= p.wire * 8) {
      this.tokens -= p.wire * 8;
      out(p);
      return;
    }
    const limit = (rateBps * (this.policy.queueMs ?? 200)) / 1000 / 8;
    if (this.queuedBytes + p.wire > limit) {
      drop('queue');
      return;
    }
    this.queue.push({ p, next: out, drop });
    this.queuedBytes += p.wire;
    this.schedule(rateBps);
  }

  private lose(flow: string, lossPct: number): boolean {
    if (this.policy.lossModel !== 'stratified') return this.rng() * 100 < lossPct;
    // Jittered systematic sampling: one drop in each run of `every` packets, at a random place in the run.
    const every = 100 / Math.min(100, lossPct);
    let f = this.flows.get(flow);
    if (!f) {
      f = { n: 0, k: 0, next: Math.floor(this.rng() * every) };
      this.flows.set(flow, f);
    }
    const hit = f.n === f.next;
    f.n++;
    if (hit) {
      f.k++;
      f.next = Math.max(f.n, Math.floor((f.k + this.rng()) * every));
    }
    return hit;
  }

  private refill(rateBps: number): void {
    const now = performance.now();
    const burst = Math.max(2 * 1500 * 8, rateBps * 0.02);
    if (this.lastRefill === 0) this.tokens = burst;
    else this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) * rateBps) / 1000);
    this.lastRefill = now;
  }

  private schedule(rateBps: number): void {
    if (this.timer || this.queue.length === 0) return;
    const need = this.queue[0].p.wire * 8 - this.tokens;
    const waitMs = Math.max(1, Math.ceil((need * 1000) / rateBps));
    this.timer = setTimeout(() => {
      if (this.timer) this.timers.delete(this.timer);
      this.timer = null;
      this.drain();
    }, waitMs);
    this.timers.add(this.timer);
  }

  private drain(): void {
    const rateBps = this.policy.rateBps;
    if (!rateBps) {
      this.flush();
      return;
    }
    this.refill(rateBps);
    while (this.queue.length > 0 && this.tokens >= this.queue[0].p.wire * 8) {
      const item = this.queue.shift();
      if (!item) break;
      this.tokens -= item.p.wire * 8;
      this.queuedBytes -= item.p.wire;
      item.next(item.p);
    }
    this.schedule(rateBps);
  }

  /** Sends what waits (the rate limit was lifted). */
  private flush(): void {
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const item of q) item.next(item.p);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const item of q) item.drop('closed');
  }
}

export interface Count {
  forwarded: number;
  dropped: number;
  /** Bytes forwarded (UDP payload). */
  bytes: number;
}

export interface DirectionCounters {
  from: string;
  to: string;
  byClass: Record<PacketClass, Count>;
  /** Drops by reason (all classes). */
  dropReasons: Partial<Record<DropReason, number>>;
}

export interface StreamCounters extends Count {
  from: string;
  to: string;
  ssrc: number;
  /** From the sender's SDP (`m=` section of its `a=ssrc` line); null when the SDP did not list it. */
  kind: 'audio' | 'video' | null;
  /** This SSRC is the RTX stream of that media SSRC (`a=ssrc-group:FID media rtx`). */
  rtxOf: number | null;
  payloadTypes: number[];
  /** Arrival-time buckets: `t` = bucket start (epoch ms, whole seconds since the relay started). */
  buckets: { t: number; forwarded: number; dropped: number }[];
}

export interface PolicyChange {
  at: number;
  target: PolicyTarget;
  policy: Policy;
}

export interface LegInfo {
  owner: string;
  peer: string;
  real: string;
  relay: string;
  /** The last address seen on the peer side. */
  remote: string | null;
}

export interface RelayCounters {
  startedAt: number;
  policyChanges: PolicyChange[];
  legs: LegInfo[];
  directions: DirectionCounters[];
  streams: StreamCounters[];
}

interface Endpoint {
  address: string;
  port: number;
}

const fmt = (e: Endpoint) => (net.isIPv6(e.address) ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);

interface Leg {
  owner: string;
  peer: string;
  real: Endpoint;
  relay: Endpoint;
  remote: Endpoint | null;
  socket: dgram.Socket;
}

interface SsrcInfo {
  kind: 'audio' | 'video' | null;
  rtxOf: number | null;
}

function emptyCount(): Count {
  return { forwarded: 0, dropped: 0, bytes: 0 };
}

export interface UdpRelayOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Errors of the relay sockets go here (default: nowhere). */
  log?: (line: string) => void;
}

export class UdpRelay {
  readonly startedAt = Date.now();
  private readonly seed: number;
  private readonly log: (line: string) => void;
  private readonly legs = new Map<string, Leg>();
  private readonly stages = new Map<string, Stage>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly directions = new Map<string, DirectionCounters>();
  private readonly streams = new Map<string, StreamCounters>();
  private readonly ssrcs = new Map<string, SsrcInfo>();
  private readonly changes: PolicyChange[] = [];
  private closed = false;

  constructor(opts: UdpRelayOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.log = opts.log ?? (() => {});
  }

  /** Sets (replaces) the policy of a target; `{}` lifts it. Returns the time it took effect. */
  setPolicy(target: PolicyTarget, policy: Policy): number {
    const at = Date.now();
    this.stage(targetKey(target)).set(policy);
    this.changes.push({ at, target, policy: { ...policy } });
    return at;
  }

  private stage(key: string): Stage {
    let s = this.stages.get(key);
    if (!s) {
      s = new Stage(key, this.seed, this.timers);
      this.stages.set(key, s);
    }
    return s;
  }

  /**
   * Replaces `owner`'s UDP host candidates in its SDP (offer or answer for the connection owner↔peer) by relay
   * sockets; drops all other candidates. Also records which SSRCs `owner` sends (kind, RTX) for the counters.
   */
  async rewriteSdp(sdp: string, owner: string, peer: string): Promise<string> {
    if (this.closed) throw new Error('relay closed');
    const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
    const lines = sdp.split(/\r?\n/);
    const out: string[] = [];
    const portMap = new Map<number, number>();
    let kind: 'audio' | 'video' | null = null;
    let candidates = 0;
    for (const line of lines) {
      if (line.startsWith('m=')) {
        const k = line.slice(2).split(' ')[0];
        kind = k === 'audio' || k === 'video' ? k : null;
      }
      const ssrcLine = /^a=ssrc:(\d+) /.exec(line);
      if (ssrcLine) {
        const key = `${owner}|${ssrcLine[1]}`;
        const info = this.ssrcs.get(key) ?? { kind, rtxOf: null };
        info.kind = kind;
        this.ssrcs.set(key, info);
      }
      const fid = /^a=ssrc-group:FID (\d+) (\d+)/.exec(line);
      if (fid) {
        const key = `${owner}|${fid[2]}`;
        const info = this.ssrcs.get(key) ?? { kind, rtxOf: null };
        info.rtxOf = Number(fid[1]);
        this.ssrcs.set(key, info);
      }
      if (!line.startsWith('a=candidate:')) {
        out.push(line);
        continue;
      }
      // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> [ext...]
      const f = line.slice('a=candidate:'.length).split(' ');
      const [, , transport, , address, portText, typ, type] = f;
      if (address?.toLowerCase().endsWith('.local')) {
        throw new Error(
          `${owner}: mDNS candidate ${address} in the SDP: the relay needs real host addresses (grant camera/microphone before creating the peer connection, or launch Chromium with --disable-features=WebRtcHideLocalIpsWithMdns)`,
        );
      }
      if (transport?.toLowerCase() !== 'udp' || typ !== 'typ' || type !== 'host') continue;
      const port = Number(portText);
      const leg = await this.leg(owner, peer, { address, port });
      portMap.set(port, leg.relay.port);
      f[5] = String(leg.relay.port);
      out.push(`a=candidate:${f.join(' ')}`);
      candidates++;
    }
    if (candidates === 0) throw new Error(`${owner}: no UDP host candidate in the SDP to relay`);
    // The default candidate (m= port, a=rtcp) must not name a real port either.
    const rewritten = out.map((line) => {
      const m = /^(m=\S+ )(\d+)( .*)$/.exec(line);
      if (m && portMap.has(Number(m[2]))) return `${m[1]}${portMap.get(Number(m[2]))}${m[3]}`;
      const r = /^(a=rtcp:)(\d+)( .*)?$/.exec(line);
      if (r && portMap.has(Number(r[2]))) return `${r[1]}${portMap.get(Number(r[2]))}${r[3] ?? ''}`;
      return line;
    });
    return rewritten.join(eol);
  }

  private async leg(owner: string, peer: string, real: Endpoint): Promise<Leg> {
    const key = `${owner}|${peer}|${fmt(real)}`;
    const existing = this.legs.get(key);
    if (existing) return existing;
    const socket = dgram.createSocket({ type: net.isIPv6(real.address) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, real.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const { address, port } = socket.address();
    const leg: Leg = { owner, peer, real, relay: { address, port }, remote: null, socket };
    this.legs.set(key, leg);
    socket.on('error', (err) => this.log(`relay ${fmt(leg.relay)} (${owner}→${peer}): ${err.message}`));
    socket.on('message', (buf, rinfo) => this.onMessage(leg, buf, rinfo));
    return leg;
  }

  private onMessage(leg: Leg, buf: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    const fromOwner = rinfo.address === leg.real.address && rinfo.port === leg.real.port;
    let from: string;
    let to: string;
    let dest: Endpoint | null;
    if (fromOwner) {
      from = leg.owner;
      to = leg.peer;
      dest = leg.remote;
    } else {
      leg.remote = { address: rinfo.address, port: rinfo.port };
      from = leg.peer;
      to = leg.owner;
      dest = leg.real;
    }
    const cls = classifyPacket(buf);
    const dir = this.direction(from, to);
    const count = dir.byClass[cls];
    const rtp = cls === 'rtp' ? rtpHeader(buf) : null;
    const stream = rtp ? this.stream(from, to, rtp.ssrc, rtp.payloadType) : null;
    const bucket = stream ? this.bucket(stream) : null;
    const drop = (reason: DropReason) => {
      count.dropped++;
      dir.dropReasons[reason] = (dir.dropReasons[reason] ?? 0) + 1;
      if (stream) stream.dropped++;
      if (bucket) bucket.dropped++;
    };
    if (!dest) {
      drop('no-destination');
      return;
    }
    const target = dest;
    const send = (p: Packet) => {
      if (this.closed) return drop('closed');
      count.forwarded++;
      count.bytes += p.buf.length;
      if (stream) {
        stream.forwarded++;
        stream.bytes += p.buf.length;
      }
      if (bucket) bucket.forwarded++;
      leg.socket.send(p.buf, target.port, target.address, (err) => {
        if (err) this.log(`relay send ${fmt(leg.relay)} → ${fmt(target)}: ${err.message}`);
      });
    };
    const stages = [`link:${from}>${to}`, `upload:${from}`, `download:${to}`]
      .map((k) => this.stages.get(k))
      .filter((s): s is Stage => !!s);
    const packet: Packet = { buf, wire: buf.length + UDP_IP_OVERHEAD, flow: `${from}>${to}|${rtp ? rtp.ssrc : cls}` };
    const run = (i: number, p: Packet): void => {
      const s = stages[i];
      if (s) s.push(p, (q) => run(i + 1, q), drop);
      else send(p);
    };
    run(0, packet);
  }

  private direction(from: string, to: string): DirectionCounters {
    const key = `${from}>${to}`;
    let d = this.directions.get(key);
    if (!d) {
      d = {
        from,
        to,
        byClass: { stun: emptyCount(), dtls: emptyCount(), rtp: emptyCount(), rtcp: emptyCount(), other: emptyCount() },
        dropReasons: {},
      };
      this.directions.set(key, d);
    }
    return d;
  }

  private stream(from: string, to: string, ssrc: number, payloadType: number): StreamCounters {
    const key = `${from}>${to}|${ssrc}`;
    let s = this.streams.get(key);
    if (!s) {
      s = { from, to, ssrc, kind: null, rtxOf: null, payloadTypes: [], buckets: [], ...emptyCount() };
      this.streams.set(key, s);
    }
    if (!s.payloadTypes.includes(payloadType)) s.payloadTypes.push(payloadType);
    return s;
  }

  private bucket(s: StreamCounters): { t: number; forwarded: number; dropped: number } | null {
    const t = this.startedAt + Math.floor((Date.now() - this.startedAt) / 1000) * 1000;
    const last = s.buckets[s.buckets.length - 1];
    if (last && last.t === t) return last;
    if (s.buckets.length >= MAX_BUCKETS) return null;
    const b = { t, forwarded: 0, dropped: 0 };
    s.buckets.push(b);
    return b;
  }

  /** A JSON-able snapshot of everything counted so far. */
  counters(): RelayCounters {
    const streams = [...this.streams.values()].map((s) => {
      const info = this.ssrcs.get(`${s.from}|${s.ssrc}`);
      return {
        ...s,
        kind: info?.kind ?? null,
        rtxOf: info?.rtxOf ?? null,
        payloadTypes: [...s.payloadTypes],
        buckets: s.buckets.map((b) => ({ ...b })),
      };
    });
    return {
      startedAt: this.startedAt,
      policyChanges: this.changes.map((c) => ({ ...c })),
      legs: [...this.legs.values()].map((l) => ({
        owner: l.owner,
        peer: l.peer,
        real: fmt(l.real),
        relay: fmt(l.relay),
        remote: l.remote ? fmt(l.remote) : null,
      })),
      directions: [...this.directions.values()].map((d) => structuredClone(d)),
      streams,
    };
  }

  /** What the relay did to one RTP stream (`from` → `to`, one SSRC), optionally only packets arriving in [since, until). */
  streamLoss(
    from: string,
    to: string,
    ssrc: number,
    window: { since?: number; until?: number } = {},
  ): { forwarded: number; dropped: number; lossPct: number | null } {
    const s = this.streams.get(`${from}>${to}|${ssrc}`);
    return streamLossOf(s ?? null, window);
  }

  /** Closes every socket, drops what waits in queues and delay lines. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.stages.values()) s.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(
      [...this.legs.values()].map(
        (l) =>
          new Promise<void>((resolve) => {
            try {
              l.socket.close(() => resolve());
            } catch {
              resolve();
            }
          }),
      ),
    );
  }
}

/** Loss of a stream's counters over a window of arrival-time buckets (whole stream without a window). */
export function streamLossOf(
  s: Pick<StreamCounters, 'forwarded' | 'dropped' | 'buckets'> | null,
  window: { since?: number; until?: number } = {},
): { forwarded: number; dropped: number; lossPct: number | null } {
  if (!s) return { forwarded: 0, dropped: 0, lossPct: null };
  let forwarded = s.forwarded;
  let dropped = s.dropped;
  if (window.since !== undefined || window.until !== undefined) {
    const since = window.since ?? -Infinity;
    const until = window.until ?? Infinity;
    const inside = s.buckets.filter((b) => b.t >= since && b.t < until);
    forwarded = inside.reduce((n, b) => n + b.forwarded, 0);
    dropped = inside.reduce((n, b) => n + b.dropped, 0);
  }
  const total = forwarded + dropped;
  return { forwarded, dropped, lossPct: total > 0 ? (100 * dropped) / total : null };
}
