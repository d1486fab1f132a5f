/**
 * One WebSocket ingest connection under the limits of ingest-limits.ts: its `error` handler (ws reports a refused
 * frame as an `error` event, an uncaught exception without one), its frame and byte rates, the frames held while
 * its session opens, and the close it ends with (the code the server sent, not what the client answers). Admission
 * counts connections per client address and per token. Each connection counts itself in the ingest metrics (open,
 * frames and bytes in, refused before its session opened).
 */

import { createHash } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import type { VerifiedIngest } from '@/lib/server/auth/ingest-token';
import { addressKey, FrameRate, type IngestLimits, KeyedRate, OpenCounter } from '@/lib/server/ingest/ingest-limits';
import { logger } from '@/lib/server/logger';
import {
  connectionOpened,
  connectionRefused,
  type IngestProtocol,
  ingestReceived,
  REFUSED,
} from '@/lib/server/metrics';
import { obfuscateIp } from '@/lib/stats/decode/address-obfuscation';

export const CLOSE = {
  protocolError: 1002,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
  jitsiConferenceLeave: 3001,
} as const;

/** A close frame's reason is at most 123 bytes (RFC 6455); `ws` throws on a longer one. */
const MAX_REASON_BYTES = 123;
const REFUSAL_LOG_EVERY_MS = 10_000;

export interface CloseInfo {
  code: number;
  reason?: string;
}

/** What ws's receiver closed with when it refused a frame (it sends that code itself, without a reason). */
function receiverCloseCode(err: Error & { code?: string }): number {
  switch (err.code) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return CLOSE.tooBig;
    case 'WS_ERR_INVALID_UTF8':
      return CLOSE.invalidPayload;
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return CLOSE.policy;
    default:
      return CLOSE.protocolError;
  }
}

function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  let cut = reason.slice(0, MAX_REASON_BYTES);
  while (Buffer.byteLength(cut) > MAX_REASON_BYTES) cut = cut.slice(0, -1);
  return cut;
}

function asBuffer(data: RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Logs a kind of refusal at most every 10 s (a connection storm must not become a log storm), with a count. */
function throttledWarn(message: string) {
  let last = 0;
  let suppressed = 0;
  return (fields: Record<string, unknown>) => {
    const now = Date.now();
    if (now - last < REFUSAL_LOG_EVERY_MS) {
      suppressed++;
      return;
    }
    logger().warn({ ...fields, ...(suppressed ? { suppressedSinceLast: suppressed } : {}) }, message);
    last = now;
    suppressed = 0;
  };
}

const warnOverRate = throttledWarn('ingest connection closed: over its frame or byte rate');
const warnFrameRefused = throttledWarn('ingest frame refused by the WebSocket layer, connection closed');
const warnAddressRefused = throttledWarn('ingest connection refused: client address over its limit');
const warnTokenRefused = throttledWarn('ingest connection refused: token over its connection limit');

/**
 * One ingest socket: its `error` handler, its frame/byte rate, the frames that arrive while the token is checked
 * and the session opens (`release` hands them to the session, in order), and the close it ends with: the code and
 * reason the server sent, else the client's.
 */
export class IngestConnection {
  address?: string;
  /** Told of every refusal (ws-ingest.ts records it for the connect page: rejected-attempts.ts). */
  onRefused?: (code: number, reason: string, logLine?: string) => void;
  private readonly rate: FrameRate;
  private held: { frame: Buffer; isBinary: boolean }[] = [];
  private deliver?: (frame: Buffer, isBinary: boolean) => void;
  private sent?: CloseInfo;
  private closedWith?: CloseInfo;
  private readonly closeListeners: ((close: CloseInfo) => void)[] = [];
  private readonly countClose: () => void;

  constructor(
    readonly ws: WebSocket,
    private readonly limits: IngestLimits,
    readonly protocol: IngestProtocol,
  ) {
    this.rate = new FrameRate(limits);
    this.countClose = connectionOpened(protocol);
    ws.on('error', (err) => this.onError(err));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.once('close', (code, reason) => this.onClose(code, reason));
  }

  /** Closes with this code and reason, once: the session is ended with them whatever the client answers. */
  close(code: number, reason: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const text = closeReason(reason);
    this.sent = { code, reason: text };
    this.ws.close(code, text);
  }

  /**
   * Closes a connection refused before its session opened, counted under `label` (a bounded reason); `logLine`: what
   * the server logged, when it says more than the reason.
   */
  refuse(code: number, reason: string, label: string = reason, logLine?: string): void {
    connectionRefused(this.protocol, label);
    this.onRefused?.(code, reason, logLine);
    this.close(code, reason);
  }

  /** Runs `fn` with the final close (now, when the socket is closed already). */
  onClosed(fn: (close: CloseInfo) => void): void {
    if (this.closedWith) fn(this.closedWith);
    else this.closeListeners.push(fn);
  }

  /** Delivers the frames held so far, then every next one, to `deliver`; the close to `onClose`. */
  release(deliver: (frame: Buffer, isBinary: boolean) => void, onClose?: (close: CloseInfo) => void): void {
    this.deliver = deliver;
    const held = this.held;
    this.held = [];
    const closeBefore = this.sent;
    for (const m of held) {
      // A held frame the session refuses closes the connection: the frames after it are not stored either.
      if (this.sent !== closeBefore) break;
      this.safeDeliver(m.frame, m.isBinary);
    }
    if (onClose) this.onClosed(onClose);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    // Once the server closed, nothing more is stored (a client that closed sends nothing after its close frame).
    if (this.ws.readyState !== this.ws.OPEN) return;
    const frame = asBuffer(data);
    ingestReceived(this.protocol, 1, frame.length);
    const over = this.rate.exceeded(frame.length);
    if (over) {
      const limit =
        over === 'frames'
          ? `${this.limits.framesPerSecond} frames/s (burst ${this.limits.frameBurst})`
          : `${this.limits.bytesPerSecond} bytes/s (burst ${this.limits.byteBurst})`;
      warnOverRate({ limit: over, address: this.logAddress() });
      this.close(CLOSE.tryAgainLater, `rate limit exceeded: more than ${limit}; try again later`);
      return;
    }
    if (this.deliver) this.safeDeliver(frame, isBinary);
    else this.held.push({ frame, isBinary });
  }

  private safeDeliver(frame: Buffer, isBinary: boolean): void {
    try {
      this.deliver?.(frame, isBinary);
    } catch (err) {
      logger().error({ err }, 'ingest frame handling failed');
      this.close(CLOSE.internal, 'internal error');
    }
  }

  /** ws's receiver refused a frame (too big, bad UTF-8, protocol error) and has already sent the close. */
  private onError(err: Error & { code?: string }): void {
    const code = receiverCloseCode(err);
    this.sent ??= {
      code,
      reason: code === CLOSE.tooBig ? `frame larger than ${this.limits.maxFrameBytes} bytes` : err.message,
    };
    warnFrameRefused({ error: err.code ?? err.message, code, address: this.logAddress() });
  }

  private onClose(code: number, reason: Buffer): void {
    // Held frames stay: a client gone before its session opened still gets them stored.
    this.closedWith = this.sent ?? { code, reason: reason.toString('utf8') || undefined };
    this.countClose();
    for (const fn of this.closeListeners.splice(0)) fn(this.closedWith);
  }

  private logAddress(): string | undefined {
    return this.address ? obfuscateIp(this.address) : undefined;
  }
}

/** Open connections per client address and per token, new connections per second per address. */
export class Admission {
  private readonly perAddress: OpenCounter;
  private readonly perToken: OpenCounter;
  private readonly addressRate: KeyedRate;

  constructor(private readonly limits: IngestLimits) {
    this.perAddress = new OpenCounter(limits.maxConnectionsPerAddress);
    this.perToken = new OpenCounter(limits.maxConnectionsPerToken);
    this.addressRate = new KeyedRate(limits.connectionsPerSecondPerAddress, limits.connectionBurstPerAddress);
  }

  /** Before the token is checked: a refused client costs no verification and leaves no row, no file. */
  admitAddress(conn: IngestConnection, address: string | undefined): boolean {
    if (address === undefined) return true;
    const key = addressKey(address);
    // Every attempt counts toward the rate, refused ones included.
    if (!this.addressRate.take(key)) {
      warnAddressRefused({ limit: 'connections per second', address: obfuscateIp(address) });
      conn.refuse(
        CLOSE.tryAgainLater,
        'too many new connections from this address; try again later',
        REFUSED.addressRate,
      );
      return false;
    }
    const release = this.perAddress.acquire(key);
    if (!release) {
      warnAddressRefused({ limit: 'open connections', address: obfuscateIp(address) });
      conn.refuse(
        CLOSE.policy,
        `too many open connections from this address (limit ${this.limits.maxConnectionsPerAddress})`,
        REFUSED.addressLimit,
      );
      return false;
    }
    conn.onClosed(release);
    return true;
  }

  /**
   * After the token verified, before the session opens. A verified token is named by its signed part (header and
   * payload): the last base64url character of a signature has spare bits, so its raw text has several spellings.
   */
  admitToken(conn: IngestConnection, token: string | null, auth: VerifiedIngest): boolean {
    if (!token) return true;
    const named = auth.key ? token.slice(0, token.lastIndexOf('.')) : token;
    const key = createHash('sha256').update(named).digest('base64');
    const release = this.perToken.acquire(key);
    if (!release) {
      warnTokenRefused({
        limit: this.limits.maxConnectionsPerToken,
        address: conn.address && obfuscateIp(conn.address),
      });
      conn.refuse(
        CLOSE.policy,
        `too many open connections for this token (limit ${this.limits.maxConnectionsPerToken})`,
        REFUSED.tokenLimit,
      );
      return false;
    }
    conn.onClosed(release);
    return true;
  }
}
