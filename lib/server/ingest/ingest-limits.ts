/**
 * What one WebSocket ingest client may use (issue 11): frame size, frame and byte rates per connection, open
 * connections per token and per client address, new connections per second per address. The values come from
 * CALLSCOPE_INGEST_* (lib/server/env.ts); the defaults sit far above what rtcstats-js or Jitsi's client send (about
 * one getStats frame per second and peer connection, a burst of events or a replayed buffer at call setup).
 * A rate or a count of 0 turns that limit off.
 */

import { isIPv4, isIPv6 } from 'node:net';

export interface IngestLimits {
  /** Largest frame (WebSocket message) in bytes: bigger ones are refused by `ws` itself with 1009. */
  maxFrameBytes: number;
  /** Sustained frames per second per connection, and how many may arrive at once (token bucket). */
  framesPerSecond: number;
  frameBurst: number;
  /** Sustained bytes per second per connection, and the burst (at least one frame of maxFrameBytes). */
  bytesPerSecond: number;
  byteBurst: number;
  /** Connections open at once with the same token. */
  maxConnectionsPerToken: number;
  /** Connections open at once from one client address (IPv6: one /64). */
  maxConnectionsPerAddress: number;
  /** New connections per second from one client address, and the burst. */
  connectionsPerSecondPerAddress: number;
  connectionBurstPerAddress: number;
}

/**
 * A token bucket: holds up to `burst` tokens, refills at `rate` per second, starts full. `rate` 0: unlimited.
 * No timer: the refill is computed from the time of the previous take.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(cost: number, now: number): boolean {
    if (this.rate === 0) return true;
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Full again: the bucket is as good as a new one (the key can be forgotten). */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
    }
  }
}

/** Frames and bytes of one connection: one clock read per frame, two subtractions. */
export class FrameRate {
  private readonly frames: TokenBucket;
  private readonly bytes: TokenBucket;

  constructor(limits: IngestLimits) {
    const now = Date.now();
    this.frames = new TokenBucket(limits.framesPerSecond, limits.frameBurst, now);
    this.bytes = new TokenBucket(limits.bytesPerSecond, limits.byteBurst, now);
  }

  /** Which limit this frame exceeds, or undefined when it may pass. */
  exceeded(size: number): 'frames' | 'bytes' | undefined {
    const now = Date.now();
    if (!this.frames.take(1, now)) return 'frames';
    if (!this.bytes.take(size, now)) return 'bytes';
    return undefined;
  }
}

/** Open connections per key, with a cap (0: none). */
export class OpenCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more connection for `key`; returns its release (call once), or null when the cap is reached. */
  acquire(key: string): (() => void) | null {
    if (this.max === 0) return () => {};
    const n = this.open.get(key) ?? 0;
    if (n >= this.max) return null;
    this.open.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }
}

const SWEEP_EVERY_MS = 10_000;

/** A token bucket per key; full buckets are forgotten now and then, so the map holds only recent keys. */
export class KeyedRate {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep = Date.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  take(key: string, now = Date.now()): boolean {
    if (this.rate === 0) return true;
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(1, now);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }
}

/**
 * The key a client address is limited under: an IPv4 address as is (IPv4-mapped IPv6 too), an IPv6 address by its
 * /64 (one subscriber's network: a client holding a /64 must not get 2^64 separate allowances).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIPv4(address) || !isIPv6(address)) return address;
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
