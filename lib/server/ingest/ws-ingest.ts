import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { IngestAuthError, type VerifiedIngest, verifyIngestToken } from '@/lib/server/auth/ingest-token';
import type { ServerContext } from '@/lib/server/context';
import { applyDumpIdentity, jitsiSessionExists } from '@/lib/server/data/sessions';
import { LiveSession } from '@/lib/server/ingest/live-session';
import { tokenFromRequest } from '@/lib/server/ingest/request-token';
import { clientAddress, isServerUserAgent } from '@/lib/server/ingest/session-rules';
import { logger } from '@/lib/server/logger';
import type { RtcstatsIdentity } from '@/lib/shared/auth-token';
import { jitsiIdentity } from '@/lib/stats/decode/jitsi-identity';

/**
 * WebSocket ingest on every path (rtcstats-js connects wherever the app points it). The offered subprotocol
 * picks the dialect: `rtcstats#5.0` (and older `rtcstats#*`) or Jitsi's `3.1_STANDARD`. Upgrade first, then
 * authorize (as rtcstats-server does): a rejected client gets close 1008 with a reason, and no row, no file.
 */

const CLOSE = {
  unsupportedData: 1003,
  invalidPayload: 1007,
  policy: 1008,
  internal: 1011,
  jitsiConferenceLeave: 3001,
} as const;

const MAX_FRAME_BYTES = 4 * 1024 * 1024;
const JITSI_PROTOCOL = /^\d+(\.\d+)?_(STANDARD|LEGACY)$/;
const JITSI_SESSION_ID = /^[a-zA-Z0-9_-]+$/;

export function createIngestWebSocketServer(ctx: ServerContext) {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_FRAME_BYTES,
    // Browsers fail the handshake when a requested subprotocol is not echoed: echo the first one offered.
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  });

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const protocol = ws.protocol;
    const handler = JITSI_PROTOCOL.test(protocol) ? acceptJitsi : acceptRtcstats;
    handler(ctx, ws, req).catch((err) => {
      logger().error({ err }, 'ingest connection failed');
      if (ws.readyState === ws.OPEN) ws.close(CLOSE.internal, 'internal error');
    });
  });

  return {
    wss,
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Live sessions were already told 1001; anything left (auth in progress, server attachments) is cut.
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Holds what happens while the token is checked and the session opens: incoming frames, and a close that comes
 * before the session exists. `release` hands both to the session, in order, so nothing is lost or written early.
 */
function holdFrames(ws: WebSocket) {
  const held: { data: RawData; isBinary: boolean }[] = [];
  let closedWith: number | null = null;
  const onMessage = (data: RawData, isBinary: boolean) => held.push({ data, isBinary });
  const onEarlyClose = (code: number) => {
    closedWith = code;
  };
  ws.on('message', onMessage);
  ws.once('close', onEarlyClose);
  return {
    release(deliver: (data: RawData, isBinary: boolean) => void, onClose?: (code: number, reason: Buffer) => void) {
      ws.off('message', onMessage);
      ws.off('close', onEarlyClose);
      if (onClose) ws.on('close', onClose);
      for (const m of held) deliver(m.data, m.isBinary);
      ws.on('message', deliver);
      if (closedWith !== null) onClose?.(closedWith, Buffer.alloc(0));
    },
  };
}

async function authorize(ctx: ServerContext, ws: WebSocket, req: IncomingMessage) {
  const request = tokenFromRequest(req.url, req.headers.authorization);
  try {
    const auth = await verifyIngestToken(request.token, ctx.keyRing);
    return { auth, request };
  } catch (err) {
    if (err instanceof IngestAuthError) {
      logger().warn({ failure: err.failure, path: request.path }, err.logLine);
      ws.close(CLOSE.policy, err.reason);
      return null;
    }
    throw err;
  }
}

async function acceptRtcstats(ctx: ServerContext, ws: WebSocket, req: IncomingMessage): Promise<void> {
  const held = holdFrames(ws);
  // Read now: a client that closes while its token is checked leaves a destroyed socket with no address.
  const remoteAddress = clientAddress(req.headers, req.socket.remoteAddress, ctx.trustedProxies);
  const authorized = await authorize(ctx, ws, req);
  if (!authorized) return;
  const { auth, request } = authorized;
  const userAgent = header(req, 'user-agent');

  if (isServerUserAgent(userAgent)) {
    attachServerClient(ctx, ws, auth, userAgent, held);
    return;
  }
  let session: LiveSession;
  try {
    session = await LiveSession.open(ctx, {
      source: 'websocket',
      format: 'rtcstats',
      auth,
      userAgent,
      origin: header(req, 'origin'),
      url: request.safeUrl,
      remoteAddress,
      clientProtocol: header(req, 'sec-websocket-protocol'),
      timing: 'delta',
      header: (metadata) => ['RTCStatsDump', JSON.stringify(metadata)],
    });
  } catch (err) {
    logger().error({ err }, 'could not open session');
    if (ws.readyState === ws.OPEN) ws.close(CLOSE.internal, 'could not store session');
    return;
  }

  session.closeTransport = (code, reason) => ws.close(code, reason);
  // A client gone before its session opened still gets its frames stored, like any other connection.
  held.release((data, isBinary) => {
    if (isBinary) {
      ws.close(CLOSE.unsupportedData, 'binary frames are not supported; send JSON text');
      return;
    }
    // Stored verbatim as the bytes received, unparsed and not even decoded (rtcstats-server stores them as is);
    // only the outer shape is checked.
    const frame = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (frame[0] !== 91 /* [ */ || frame[frame.length - 1] !== 93 /* ] */) {
      ws.close(CLOSE.invalidPayload, 'each frame must be one JSON array');
      return;
    }
    session.append(frame);
  }, endSessionOnClose(session));
}

function endSessionOnClose(session: LiveSession) {
  return (code: number, reason: Buffer) => {
    session.end(code, reason.toString('utf8') || undefined);
  };
}

/**
 * A server-shaped User-Agent never creates a session: its frames attach to the live session named by its token
 * (wrapped as a `:server` custom event with delta 0, so the session's own timestamp chain stays intact), or the
 * connection is refused.
 */
function attachServerClient(
  ctx: ServerContext,
  ws: WebSocket,
  auth: VerifiedIngest,
  userAgent: string | undefined,
  held: ReturnType<typeof holdFrames>,
): void {
  const target = auth.identity.session ? ctx.live.bySessionId(auth.identity.session) : undefined;
  if (!target) {
    logger().warn({ userAgent }, 'server user-agent without a live session refused');
    ws.close(
      CLOSE.policy,
      auth.identity.session
        ? 'server user-agent: no live session with this session id to attach to'
        : 'server user-agent cannot create a session (token names no session)',
    );
    return;
  }
  held.release((data, isBinary) => {
    if (isBinary) return;
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      ws.close(CLOSE.invalidPayload, 'each frame must be one JSON array');
      return;
    }
    target.append(JSON.stringify([':server', null, { userAgent, frame, serverTime: Date.now() }, 0]));
  });
}

async function acceptJitsi(ctx: ServerContext, ws: WebSocket, req: IncomingMessage): Promise<void> {
  const held = holdFrames(ws);
  const remoteAddress = clientAddress(req.headers, req.socket.remoteAddress, ctx.trustedProxies);
  const authorized = await authorize(ctx, ws, req);
  if (!authorized) return;
  const { auth, request } = authorized;
  const statsSessionId = request.query.get('statsSessionId') ?? undefined;
  if (statsSessionId !== undefined && !JITSI_SESSION_ID.test(statsSessionId)) {
    ws.close(CLOSE.policy, 'statsSessionId must match [a-zA-Z0-9_-]+');
    return;
  }
  // Jitsi's rule: a reconnect, or a session id we already have a dump for, is told to stop (3001).
  if (request.query.get('isReconnect') === 'true') {
    ws.close(CLOSE.jitsiConferenceLeave, 'reconnect not accepted: session already stored');
    return;
  }
  if (statsSessionId && (await jitsiSessionExists(statsSessionId))) {
    ws.close(CLOSE.jitsiConferenceLeave, 'a dump for this statsSessionId exists');
    return;
  }
  const userAgent = header(req, 'user-agent');
  const origin = header(req, 'origin');
  // The decoder's rule (jitsi-identity.ts) on what is known now: statsSessionId and the meeting path. The
  // client's identity line refines it later; the token's claims always win.
  const connectionInfo = { path: request.path, statsSessionId };
  const claimed = auth.identity;
  const identity = { ...jitsiIdentity(undefined, connectionInfo), ...definedFields(claimed) };
  const session = await LiveSession.open(ctx, {
    source: 'websocket',
    format: 'jitsi',
    auth: { ...auth, identity },
    userAgent,
    origin,
    url: request.safeUrl,
    remoteAddress,
    clientProtocol: ws.protocol,
    timing: 'absolute',
    header: (metadata) => [
      JSON.stringify([
        'connectionInfo',
        null,
        {
          path: request.path,
          origin,
          url: metadata.url,
          userAgent,
          clientProtocol: ws.protocol,
          statsSessionId,
          startTime: metadata.startTime,
          remoteAddresses: metadata.remoteAddresses,
        },
        metadata.startTime,
      ]),
    ],
  });
  session.closeTransport = (code, reason) => ws.close(code, reason);
  let identityApplied = false;
  // The Jitsi client sends nothing until it is told its starting sequence number.
  ws.send(JSON.stringify({ type: 'sn', body: { value: 0, state: 'initial' } }));
  held.release((data, isBinary) => {
    if (isBinary) {
      ws.close(CLOSE.unsupportedData, 'binary frames are not supported');
      return;
    }
    let msg: { type?: string; data?: unknown };
    try {
      msg = JSON.parse(data.toString());
    } catch {
      ws.close(CLOSE.invalidPayload, 'each message must be one JSON object');
      return;
    }
    switch (msg.type) {
      case 'stats-entry': {
        const line = typeof msg.data === 'string' ? msg.data : JSON.stringify(msg.data);
        const ts = jitsiEntryTime(line);
        session.appendWithTime(line, ts);
        return;
      }
      case 'identity': {
        const entry = Array.isArray(msg.data) ? msg.data : ['identity', null, msg.data, Date.now()];
        session.appendWithTime(JSON.stringify(entry), typeof entry[3] === 'number' ? entry[3] : undefined);
        if (!identityApplied) {
          identityApplied = true;
          applyJitsiIdentity(session.id, claimed, jitsiIdentity(entry[2], connectionInfo)).catch((err) =>
            logger().warn({ err }, 'applying Jitsi identity failed'),
          );
        }
        return;
      }
      case 'keepalive':
        session.lastMessageAt = Date.now();
        return;
      case 'close':
        ws.close(CLOSE.jitsiConferenceLeave, 'conference left');
        return;
      default:
        ws.close(CLOSE.invalidPayload, `unknown message type: ${String(msg.type)}`);
    }
  }, endSessionOnClose(session));
}

function jitsiEntryTime(line: string): number | undefined {
  try {
    const entry = JSON.parse(line);
    return Array.isArray(entry) && typeof entry[3] === 'number' ? entry[3] : undefined;
  } catch {
    return undefined;
  }
}

function definedFields(identity: RtcstatsIdentity): RtcstatsIdentity {
  return Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined && v !== null));
}

/** The dump's identity sets every field the token did not claim. */
function applyJitsiIdentity(id: bigint, claimed: RtcstatsIdentity, fromDump: RtcstatsIdentity): Promise<void> {
  return applyDumpIdentity(
    id,
    {
      user: claimed.user ? undefined : fromDump.user,
      conference: claimed.conference ? undefined : fromDump.conference,
      session: claimed.session ? undefined : fromDump.session,
    },
    new Date(),
  );
}
