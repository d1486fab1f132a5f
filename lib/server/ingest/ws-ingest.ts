import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { IngestAuthError, type VerifiedIngest, verifyIngestToken } from '@/lib/server/auth/ingest-token';
import type { ServerContext } from '@/lib/server/context';
import { applyDumpIdentity, jitsiSessionExists } from '@/lib/server/data/sessions';
import { Admission, CLOSE, type CloseInfo, IngestConnection } from '@/lib/server/ingest/ingest-connection';
import { frameBytesProblem } from '@/lib/server/ingest/frame-bytes-check';
import { LiveSession } from '@/lib/server/ingest/live-session';
import { tokenFromRequest } from '@/lib/server/ingest/request-token';
import { clientAddress, isServerUserAgent } from '@/lib/server/ingest/session-rules';
import { logger } from '@/lib/server/logger';
import { connectionRefused, REFUSED } from '@/lib/server/metrics';
import type { RtcstatsIdentity } from '@/lib/shared/auth-token';
import { jitsiIdentity } from '@/lib/stats/decode/jitsi-identity';
import { isObject } from '@/lib/stats/decode/values';

/**
 * WebSocket ingest on every path (rtcstats-js connects wherever the app points it). The offered subprotocol
 * picks the dialect: `rtcstats#5.0` (and older `rtcstats#*`) or Jitsi's `3.1_STANDARD`. Upgrade first, then
 * authorize (as rtcstats-server does): a rejected client gets close 1008 with a reason, and no row, no file.
 * Limits (ingest-limits.ts): per client address before the token is checked, per token after, frame size and
 * frame/byte rates on every frame. A session always ends with the close code the server sent (or, when the client
 * closed first, the client's).
 */

const JITSI_PROTOCOL = /^\d+(\.\d+)?_(STANDARD|LEGACY)$/;
const JITSI_SESSION_ID = /^[a-zA-Z0-9_-]+$/;

/** The dialect a subprotocol picks (the first one offered is the one echoed). */
function dialect(protocol: string | undefined): 'rtcstats' | 'jitsi' {
  return JITSI_PROTOCOL.test(protocol?.split(',')[0].trim() ?? '') ? 'jitsi' : 'rtcstats';
}

export function createIngestWebSocketServer(ctx: ServerContext) {
  const limits = ctx.ingestLimits;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // A bigger frame is refused from its header on, before it is buffered: ws closes with 1009.
    maxPayload: limits.maxFrameBytes,
    // Browsers fail the handshake when a requested subprotocol is not echoed: echo the first one offered.
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  });
  // With noServer nothing forwards errors to it today; a listener all the same, so none can ever be uncaught.
  wss.on('error', (err) => logger().error({ err }, 'ingest WebSocket server error'));
  const admission = new Admission(limits);

  // Connections whose token is being checked or whose session is opening (their frames are held until it is).
  const opening = new Set<Promise<void>>();
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    // First, before anything can throw or any frame is read: every socket error is handled from here on.
    const protocol = dialect(ws.protocol);
    const conn = new IngestConnection(ws, limits, protocol);
    try {
      // Read now: a client that closes while its token is checked leaves a destroyed socket with no address.
      const remoteAddress = clientAddress(req.headers, req.socket.remoteAddress, ctx.trustedProxies);
      conn.address = remoteAddress;
      conn.onRefused = (code, reason, logLine) =>
        ctx.rejectedAttempts.record({
          transport: 'websocket',
          protocol: ws.protocol || header(req, 'sec-websocket-protocol'),
          code,
          reason,
          logLine,
          origin: header(req, 'origin'),
          userAgent: header(req, 'user-agent'),
          address: remoteAddress,
        });
      if (!admission.admitAddress(conn, remoteAddress)) return;
      const handler = protocol === 'jitsi' ? acceptJitsi : acceptRtcstats;
      const accepting = handler(ctx, conn, req, admission).catch((err) => {
        logger().error({ err }, 'ingest connection failed');
        conn.close(CLOSE.internal, 'internal error');
      });
      opening.add(accepting);
      void accepting.finally(() => opening.delete(accepting));
    } catch (err) {
      logger().error({ err }, 'ingest connection failed');
      conn.close(CLOSE.internal, 'internal error');
    }
  });

  let accepting = true;
  return {
    wss,
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      // Shutting down: a new client is told to come back (503), not given a session that would end at once.
      if (!accepting) {
        connectionRefused(dialect(header(req, 'sec-websocket-protocol')), REFUSED.shuttingDown);
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    /**
     * No new connections from now on; the ones open keep going until `close`. Resolves once the connections already
     * accepted have opened their sessions (at most `graceMs`), so a drain ends those too and keeps their frames.
     */
    async stopAccepting(graceMs = 2000): Promise<void> {
      accepting = false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(opening), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    },
    /**
     * Tells every client still connected 1001 (live sessions were already ended with it), waits up to `graceMs`
     * for their closing handshakes, so each sees the code rather than a cut connection (1006), then cuts the rest.
     */
    async close(graceMs = 2000): Promise<void> {
      accepting = false;
      const clients = [...wss.clients];
      for (const client of clients) if (client.readyState === client.OPEN) client.close(1001, 'server shutting down');
      const closed = clients.map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.readyState === client.CLOSED) return resolve();
            client.once('close', () => resolve());
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function authorize(ctx: ServerContext, conn: IngestConnection, req: IncomingMessage, admission: Admission) {
  const request = tokenFromRequest(req.url, req.headers.authorization);
  let auth: VerifiedIngest;
  try {
    auth = await verifyIngestToken(request.token, ctx.keyRing);
  } catch (err) {
    if (err instanceof IngestAuthError) {
      logger().warn({ failure: err.failure, path: request.path }, err.logLine);
      conn.refuse(CLOSE.policy, err.reason, err.reason, err.logLine);
      return null;
    }
    throw err;
  }
  if (!admission.admitToken(conn, request.token, auth)) return null;
  return { auth, request };
}

async function acceptRtcstats(
  ctx: ServerContext,
  conn: IngestConnection,
  req: IncomingMessage,
  admission: Admission,
): Promise<void> {
  const authorized = await authorize(ctx, conn, req, admission);
  if (!authorized) return;
  const { auth, request } = authorized;
  const userAgent = header(req, 'user-agent');

  if (isServerUserAgent(userAgent)) {
    attachServerClient(ctx, conn, auth, userAgent);
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
      remoteAddress: conn.address,
      clientProtocol: header(req, 'sec-websocket-protocol'),
      timing: 'delta',
      header: (metadata) => ['RTCStatsDump', JSON.stringify(metadata)],
    });
  } catch (err) {
    logger().error({ err }, 'could not open session');
    conn.refuse(CLOSE.internal, 'could not store session', REFUSED.storeFailed);
    return;
  }

  session.closeTransport = (code, reason) => conn.close(code, reason);
  // A client gone before its session opened still gets its frames stored, like any other connection.
  conn.release((frame, isBinary) => {
    if (isBinary) {
      conn.close(CLOSE.unsupportedData, 'binary frames are not supported; send JSON text');
      return;
    }
    const problem = frameBytesProblem(frame);
    if (problem) {
      conn.close(CLOSE.invalidPayload, problem);
      return;
    }
    // Stored verbatim: the bytes as received (rtcstats-server stores them as is).
    session.append(frame);
  }, endSessionOnClose(session));
}

function endSessionOnClose(session: LiveSession) {
  return (close: CloseInfo) => {
    session.end(close.code, close.reason);
  };
}

/**
 * A server-shaped User-Agent never creates a session: its frames attach to the live session named by its token
 * (wrapped as a `:server` custom event with delta 0, so the session's own timestamp chain stays intact), or the
 * connection is refused.
 */
function attachServerClient(
  ctx: ServerContext,
  conn: IngestConnection,
  auth: VerifiedIngest,
  userAgent: string | undefined,
): void {
  const target = auth.identity.session ? ctx.live.bySessionId(auth.identity.session) : undefined;
  if (!target) {
    logger().warn({ userAgent }, 'server user-agent without a live session refused');
    conn.refuse(
      CLOSE.policy,
      auth.identity.session
        ? 'server user-agent: no live session with this session id to attach to'
        : 'server user-agent cannot create a session (token names no session)',
      REFUSED.serverUserAgent,
    );
    return;
  }
  conn.release((data, isBinary) => {
    if (isBinary) return;
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      frame = undefined;
    }
    if (!Array.isArray(frame)) {
      conn.close(CLOSE.invalidPayload, 'each frame must be one JSON array');
      return;
    }
    target.append(JSON.stringify([':server', null, { userAgent, frame, serverTime: Date.now() }, 0]));
  });
}

async function acceptJitsi(
  ctx: ServerContext,
  conn: IngestConnection,
  req: IncomingMessage,
  admission: Admission,
): Promise<void> {
  const authorized = await authorize(ctx, conn, req, admission);
  if (!authorized) return;
  const { auth, request } = authorized;
  const ws = conn.ws;
  const statsSessionId = request.query.get('statsSessionId') ?? undefined;
  if (statsSessionId !== undefined && !JITSI_SESSION_ID.test(statsSessionId)) {
    conn.refuse(CLOSE.policy, 'statsSessionId must match [a-zA-Z0-9_-]+', REFUSED.statsSessionId);
    return;
  }
  // Jitsi's rule: a reconnect, or a session id we already have a dump for, is told to stop (3001).
  if (request.query.get('isReconnect') === 'true') {
    conn.refuse(
      CLOSE.jitsiConferenceLeave,
      'reconnect not accepted: session already stored',
      REFUSED.jitsiSessionExists,
    );
    return;
  }
  if (statsSessionId && (await jitsiSessionExists(statsSessionId))) {
    conn.refuse(CLOSE.jitsiConferenceLeave, 'a dump for this statsSessionId exists', REFUSED.jitsiSessionExists);
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
    remoteAddress: conn.address,
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
  session.closeTransport = (code, reason) => conn.close(code, reason);
  let identityApplied = false;
  // The Jitsi client sends nothing until it is told its starting sequence number.
  ws.send(JSON.stringify({ type: 'sn', body: { value: 0, state: 'initial' } }));
  conn.release((data, isBinary) => {
    if (isBinary) {
      conn.close(CLOSE.unsupportedData, 'binary frames are not supported');
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      msg = undefined;
    }
    if (!isObject(msg)) {
      conn.close(CLOSE.invalidPayload, 'each message must be one JSON object');
      return;
    }
    switch (msg.type) {
      case 'stats-entry': {
        const entry = jitsiEntry(msg.data);
        if (!entry) {
          conn.close(CLOSE.invalidPayload, 'stats-entry data must be one JSON array');
          return;
        }
        session.appendWithTime(entry.line, entry.time);
        return;
      }
      case 'identity': {
        const entry = Array.isArray(msg.data) ? msg.data : ['identity', null, msg.data, Date.now()];
        session.appendWithTime(JSON.stringify(entry), typeof entry[3] === 'number' ? entry[3] : undefined);
        if (!identityApplied) {
          identityApplied = true;
          const fromDump = jitsiIdentity(entry[2], connectionInfo);
          applyJitsiIdentity(session.id, claimed, fromDump)
            .then(() => session.learnIdentity(fromDump))
            .catch((err) => logger().warn({ err }, 'applying Jitsi identity failed'));
        }
        return;
      }
      case 'keepalive':
        session.lastMessageAt = Date.now();
        return;
      case 'close':
        conn.close(CLOSE.jitsiConferenceLeave, 'conference left');
        return;
      default:
        conn.close(CLOSE.invalidPayload, `unknown message type: ${String(msg.type)}`);
    }
  }, endSessionOnClose(session));
}

/**
 * A stats entry as one dump line, and its absolute time (`[method, pcId, value, ts, seq?]`). @jitsi/rtcstats sends
 * the entry as a JSON string, stored as sent; it must be one array on one line (no raw line break in the dump).
 */
function jitsiEntry(data: unknown): { line: string; time: number | undefined } | undefined {
  let entry: unknown = data;
  let line: string;
  if (typeof data === 'string') {
    if (data.includes('\n') || data.includes('\r')) return undefined;
    try {
      entry = JSON.parse(data);
    } catch {
      return undefined;
    }
    line = data;
  } else {
    line = JSON.stringify(data);
  }
  if (!Array.isArray(entry)) return undefined;
  return { line, time: typeof entry[3] === 'number' ? entry[3] : undefined };
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
