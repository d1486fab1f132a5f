import { randomUUID } from 'node:crypto';
import Bowser from 'bowser';
import type { FramesResult, UploadResult } from '@/lib/schemas/ingest';
import { ApiError, resolveActor } from '@/lib/server/api';
import { IngestAuthError, type VerifiedIngest, verifyIngestToken } from '@/lib/server/auth/ingest-token';
import { serverContext } from '@/lib/server/context';
import { endSession, insertSession } from '@/lib/server/data/sessions';
import { deviceIdAt } from '@/lib/server/ingest/device-id';
import { FrameBatchError, MAX_BATCH_BYTES } from '@/lib/server/ingest/frame-batch';
import { LiveSession } from '@/lib/server/ingest/live-session';
import { tokenFromRequest } from '@/lib/server/ingest/request-token';
import { forwardedClientAddress, isHistoricalTime, isServerUserAgent } from '@/lib/server/ingest/session-rules';
import { receiveDump } from '@/lib/server/ingest/upload-body';
import { logger } from '@/lib/server/logger';
import { connectionRefused, type IngestProtocol, ingestReceived, REFUSED } from '@/lib/server/metrics';
import { hasRole } from '@/lib/shared/roles';
import { maybeGunzip } from '@/lib/stats/decode/detect';
import { obfuscateIp } from '@/lib/stats/decode/address-obfuscation';
import { clientFromUserAgentData } from '@/lib/stats/decode/user-agent-data';

/**
 * HTTP ingest for clients that cannot hold a WebSocket: whole dumps (`POST /api/v1/upload`) and NDJSON frames
 * (`POST /api/v1/frames`). Same JWT rules as the WebSocket; a rejected request stores nothing.
 */

/** The client's address as server.ts resolved it (socket, or the trusted proxy's entry). */
function requestAddress(req: Request): string | undefined {
  return forwardedClientAddress(req.headers.get('x-forwarded-for'));
}

/** A refused request, recorded for the connect page (rejected-attempts.ts) with what the client was told. */
function recordRefusal(req: Request, protocol: IngestProtocol, status: number, reason: string, logLine?: string) {
  serverContext().rejectedAttempts.record({
    transport: protocol === 'upload' ? 'upload' : 'frames',
    protocol: req.headers.get('x-rtcstats-protocol'),
    code: status,
    reason,
    logLine,
    origin: req.headers.get('origin'),
    userAgent: req.headers.get('user-agent'),
    address: requestAddress(req),
  });
}

async function authorizeHttp(req: Request, protocol: IngestProtocol): Promise<VerifiedIngest> {
  const ctx = serverContext();
  const request = tokenFromRequest(
    new URL(req.url).pathname + new URL(req.url).search,
    req.headers.get('authorization') ?? undefined,
  );
  try {
    return await verifyIngestToken(request.token, ctx.keyRing);
  } catch (err) {
    if (err instanceof IngestAuthError) {
      logger().warn({ failure: err.failure }, err.logLine);
      connectionRefused(protocol, err.reason);
      recordRefusal(req, protocol, 401, err.reason, err.logLine);
      throw new ApiError('unauthorized', err.reason);
    }
    throw err;
  }
}

async function readLimitedBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw new ApiError('payload_too_large', `Body larger than ${Math.round(limit / 1048576)} MB`);
  if (!req.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new ApiError('payload_too_large', `Body larger than ${Math.round(limit / 1048576)} MB`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * An upload's browser and OS: from its User-Agent (the metadata's, else the client `create` event's), and where that
 * names none, from the `userAgentData` client hints (a Chrome 144+ dump may carry only those).
 */
function uploadedClient(userAgent: string | undefined, userAgentData: unknown) {
  const parsed = userAgent ? Bowser.parse(userAgent) : undefined;
  const hints = clientFromUserAgentData(userAgentData);
  return {
    browserName: parsed?.browser.name ?? hints?.browser?.name,
    browserVersion: parsed?.browser.name ? parsed.browser.version : (hints?.browser?.version ?? undefined),
    osName: parsed?.os.name ?? hints?.os?.name,
  };
}

/** POST /api/v1/upload: one whole dump becomes one ended session, then is processed like any other. */
export async function handleUpload(req: Request): Promise<UploadResult> {
  const ctx = serverContext();
  // Staff (engineer+) and API keys may upload from the dashboard with identity in the query; others need a token.
  const actor = await resolveActor(req).catch(() => null);
  const staffUpload = actor && hasRole(actor.role, 'engineer');
  const auth: VerifiedIngest = staffUpload ? { identity: {}, key: null } : await authorizeHttp(req, 'upload');
  const dumpId = randomUUID();
  const file = ctx.store.workPath(dumpId);
  const bytes = await receiveDump(req, file, ctx.maxUploadBytes);
  ingestReceived('upload', 0, bytes);
  // Reading what the dump is costs a JSON.parse per line: a worker thread does it, not this event loop (and the
  // worker pool stays out of Next's bundle: route handlers reach it through the server context).
  const info = await ctx.dumpInfo(file).catch(async (err) => {
    await ctx.store.remove(dumpId);
    throw err;
  });
  // Line dumps are obfuscated line by line when the store finishes them; one JSON document is obfuscated whole here.
  if (info.format === 'webrtc-internals') await ctx.obfuscateDocument(file);
  const meta = info.metadata;
  const startTime = meta.startTime ?? info.firstTime;
  const endTime = info.lastTime;
  const url = new URL(req.url);
  const param = (k: string) => url.searchParams.get(k)?.slice(0, 256) || undefined;
  const fromDump = { user: meta.user, session: meta.session, conference: meta.conference };
  const identity = {
    user: auth.identity.user ?? (staffUpload ? param('user') : undefined) ?? fromDump.user,
    session: auth.identity.session ?? (staffUpload ? param('session') : undefined) ?? fromDump.session,
    conference: auth.identity.conference ?? (staffUpload ? param('conference') : undefined) ?? fromDump.conference,
  };
  const now = Date.now();
  const client = uploadedClient(meta.userAgent ?? info.client?.userAgent, info.client?.userAgentData);
  const address = requestAddress(req);
  const device = await deviceIdAt(now, { userAgent: meta.userAgent, ip: address, origin: meta.origin });
  const historical = startTime !== undefined ? isHistoricalTime(startTime, now) : true;
  let id: bigint;
  try {
    id = await insertSession({
      dumpId,
      source: 'upload',
      format: info.format,
      identity,
      sessionStart: new Date(startTime ?? now),
      hostIdentifier: ctx.hostIdentifier,
      clientProtocol: meta.clientProtocol,
      deviceId: device,
      userIsDevice: !identity.user,
      origin: meta.origin,
      userAgent: meta.userAgent,
      url: meta.url?.replace(/rtcstats-token=[^&]*/, 'rtcstats-token=obfuscated'),
      remoteAddress: address ? obfuscateIp(address) : undefined,
      browserName: client.browserName,
      browserVersion: client.browserVersion,
      osName: client.osName,
      signingKeyId: auth.key?.id ?? auth.key?.kid,
      historical,
      status: 'live',
    });
  } catch (err) {
    await ctx.store.remove(dumpId);
    throw err;
  }
  const blobUrl = await ctx.store.finalize(dumpId);
  await endSession(id, {
    sessionEnd: new Date(endTime ?? startTime ?? now),
    blobUrl,
    messageCount: info.lineCount,
    byteCount: bytes,
    firstEventAt: startTime !== undefined ? new Date(startTime) : undefined,
    lastEventAt: endTime !== undefined ? new Date(endTime) : undefined,
  });
  ctx.scheduleProcessing(id, 'ended');
  logger().info({ dumpId, sessionId: String(id), format: info.format }, 'dump uploaded');
  return {
    id: String(id),
    dumpId,
    format: info.format,
    user: identity.user ?? null,
    session: identity.session ?? null,
    conference: identity.conference ?? null,
    historical,
    bytes,
  };
}

/**
 * POST /api/v1/frames: NDJSON rtcstats frames. Frames for the same session id (token `session` claim, or the
 * `session` query parameter when auth is off) append to one dump; a `["close", null, code?, ms]` line, or 30
 * minutes without frames, ends it. A request with any invalid line is refused whole (422), so a dump never holds
 * half a batch.
 */
export async function handleFrames(req: Request): Promise<FramesResult> {
  const ctx = serverContext();
  const auth = await authorizeHttp(req, 'http');
  const url = new URL(req.url);
  const sessionKey = auth.identity.session ?? url.searchParams.get('session') ?? undefined;
  if (!sessionKey) throw new ApiError('bad_request', 'A session id is needed: the token `session` claim or ?session=');
  const body = await readLimitedBody(req, MAX_BATCH_BYTES);
  const bytes = maybeGunzip(body, undefined, MAX_BATCH_BYTES) as Buffer;
  const batch = await ctx.parseFrames(bytes);
  ingestReceived('http', batch.ok ? batch.frames.length : 0, body.length);
  if (!batch.ok) throw new FrameBatchError(batch.code, batch.message);
  const { frames, closeCode } = batch;
  const userAgent = req.headers.get('user-agent') ?? undefined;
  let session = ctx.live.bySessionId(sessionKey);
  if (!session) {
    if (isServerUserAgent(userAgent)) {
      const reason = 'A server-shaped User-Agent cannot create a session; no live session with this id to attach to';
      connectionRefused('http', REFUSED.serverUserAgent);
      recordRefusal(req, 'http', 403, reason);
      throw new ApiError('forbidden', reason);
    }
    if (frames.length === 0 && closeCode !== undefined) throw new ApiError('not_found', 'No live session with this id');
    session = await LiveSession.open(ctx, {
      source: 'frames',
      format: 'rtcstats',
      auth: { ...auth, identity: { ...auth.identity, session: sessionKey } },
      userAgent,
      origin: req.headers.get('origin') ?? undefined,
      url: tokenFromRequest(url.pathname + url.search).safeUrl,
      remoteAddress: requestAddress(req),
      clientProtocol: req.headers.get('x-rtcstats-protocol') ?? 'rtcstats#5.0',
      timing: 'delta',
      header: (metadata) => ['RTCStatsDump', JSON.stringify(metadata)],
    });
  }
  for (const frame of frames) session.append(frame);
  if (closeCode !== undefined) await session.end(closeCode, 'close frame');
  return { sessionId: String(session.id), accepted: frames.length, ended: closeCode !== undefined };
}
