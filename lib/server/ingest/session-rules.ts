import { createHash } from 'node:crypto';

/**
 * Session rules from the reference documents (product.md "Rules"), as pure functions.
 */

export const FUTURE_CLAMP_MS = 60_000;
export const HISTORICAL_AFTER_MS = 15 * 60_000;

/**
 * A User-Agent shaped like `Name/1.0` (one product token, no comment: `Go-http-client/1.1`, `node-fetch/1.0`,
 * `curl/8.5.0`) is a server or a script, not a browser. Missing UAs count as servers too.
 */
export function isServerUserAgent(userAgent: string | undefined | null): boolean {
  if (!userAgent) return true;
  return /^[\w.+-]+\/[\w.+-]+$/.test(userAgent.trim());
}

/** Client time more than 1 minute ahead of the server is replaced by server time. */
export function clampClientTime(clientMs: number, serverMs: number): number {
  return clientMs > serverMs + FUTURE_CLAMP_MS ? serverMs : clientMs;
}

/** Data whose client time is more than 15 minutes behind the server is historical: kept, but never live. */
export function isHistoricalTime(clientMs: number, serverMs: number): boolean {
  return clientMs < serverMs - HISTORICAL_AFTER_MS;
}

/** The UTC day a salt belongs to; salts rotate at 00:00 UTC. */
export function saltDay(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 10);
}

/** Device id: a hash of User-Agent, IP, origin and the day's salt (no raw IP kept). */
export function deviceId(input: { userAgent?: string; ip?: string; origin?: string; salt: string }): string {
  return createHash('sha256')
    .update(`${input.salt}\n${input.userAgent ?? ''}\n${input.ip ?? ''}\n${input.origin ?? ''}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * The client address: for the ingest rows, and, as the single `X-Forwarded-For` value server.ts passes on, for
 * everything behind it (audit log, sign-in rate limiter, dump downloads). With `trustedProxies` = N proxies in
 * front, each appending the address it received the request from, the client is the N-th entry from the right:
 * entries further left are whatever the client sent, and would let it pick the address it is logged and
 * rate-limited under. With no trusted proxy, the socket peer. Undefined when there is no address at all (server.ts
 * then drops the header).
 */
export function clientAddress(
  headers: Record<string, string | string[] | undefined>,
  socketAddress: string | undefined,
  trustedProxies: number,
): string | undefined {
  if (trustedProxies > 0) {
    const xff = headers['x-forwarded-for'];
    const entries = (Array.isArray(xff) ? xff : [xff ?? ''])
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean);
    if (entries.length === 0) return socketAddress;
    return entries[Math.max(0, entries.length - trustedProxies)];
  }
  return socketAddress;
}

/**
 * The client address behind server.ts: it has already reduced `X-Forwarded-For` to the one address clientAddress
 * chose (or removed it), so code behind it reads that value and never applies the proxy rule a second time.
 */
export function forwardedClientAddress(header: string | string[] | null | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value ? value.slice(0, 64) : undefined;
}

/**
 * The absolute client time carried by an rtcstats frame is the sum of the trailing deltas; reading only the last
 * element keeps the ingest hot path free of JSON.parse.
 */
export function trailingNumber(frame: string | Buffer): number | undefined {
  const end = frame.lastIndexOf(']');
  if (end < 0) return undefined;
  const comma = frame.lastIndexOf(',', end);
  if (comma < 0) return undefined;
  // In the bytes as received, ']' and ',' are ASCII, and so is a number: no UTF-8 decoding needed.
  const text = typeof frame === 'string' ? frame.slice(comma + 1, end) : frame.toString('latin1', comma + 1, end);
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
