import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import Bowser from 'bowser';
import { ApiError, resolveActor } from '@/lib/server/api';
import { IngestAuthError, type VerifiedIngest, verifyIngestToken } from '@/lib/server/auth/ingest-token';
import { serverContext } from '@/lib/server/context';
import { endSession, insertSession } from '@/lib/server/data/sessions';
import { LiveSession } from '@/lib/server/ingest/live-session';
import { tokenFromRequest } from '@/lib/server/ingest/request-token';
import { clientAddress, isHistoricalTime, isServerUserAgent, obfuscateIp } from '@/lib/server/ingest/session-rules';
import { logger } from '@/lib/server/logger';
import { hasRole } from '@/lib/shared/roles';

/**
 * HTTP ingest for clients that cannot hold a WebSocket: whole dumps (`POST /api/v1/upload`) and NDJSON frames
 * (`POST /api/v1/frames`). Same JWT rules as the WebSocket; a rejected request stores nothing.
 */

type Headers = Record<string, string | undefined>;

function headersOf(req: Request): Headers {
  return Object.fromEntries(req.headers.entries());
}

async function authorizeHttp(req: Request): Promise<VerifiedIngest> {
  const ctx = serverContext();
  const request = tokenFromRequest(new URL(req.url).pathname + new URL(req.url).search, req.headers.get('authorization') ?? undefined);
  try {
    return await verifyIngestToken(request.token, ctx.keyRing);
  } catch (err) {
    if (err instanceof IngestAuthError) {
      logger().warn({ failure: err.failure }, err.logLine);
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

function maybeGunzip(bytes: Buffer): Buffer {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: 1024 * 1024 * 1024 });
    } catch {
      throw new ApiError('bad_request', 'Body looks gzip-compressed but does not decompress');
    }
  }
  return bytes;
}

export type DumpKind = 'rtcstats' | 'jitsi' | 'webrtc-internals';

export interface SniffedDump {
  format: DumpKind;
  startTime?: number;
  endTime?: number;
  userAgent?: string;
  origin?: string;
  url?: string;
  clientProtocol?: string;
  identity?: { user?: string; conference?: string; session?: string };
}

/** Recognizes the dump format and reads what the session row needs, without decoding stats. */
export function sniffDump(text: string): SniffedDump {
  if (text.startsWith('RTCStatsDump\n')) {
    const lines = text.split('\n');
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(lines[1] ?? '');
    } catch {
      throw new ApiError('unprocessable_entity', 'RTCStatsDump: line 2 must be the metadata JSON object');
    }
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
      throw new ApiError('unprocessable_entity', 'RTCStatsDump: line 2 must be the metadata JSON object');
    }
    if (meta.fileFormat !== 3) {
      throw new ApiError('unprocessable_entity', `RTCStatsDump fileFormat ${String(meta.fileFormat)} is not supported (3 is)`);
    }
    let clock = 0;
    let first: number | undefined;
    for (let i = 2; i < lines.length; i++) {
      const line = lines[i];
      if (!line || line.startsWith('["close",null')) continue;
      const end = line.lastIndexOf(']');
      const comma = line.lastIndexOf(',', end);
      const delta = Number(line.slice(comma + 1, end));
      if (Number.isFinite(delta)) {
        clock += delta;
        first ??= clock;
      }
    }
    return {
      format: 'rtcstats',
      startTime: typeof meta.startTime === 'number' ? meta.startTime : first,
      endTime: clock || undefined,
      userAgent: typeof meta.userAgent === 'string' ? meta.userAgent : undefined,
      origin: typeof meta.origin === 'string' ? meta.origin : undefined,
      url: typeof meta.url === 'string' ? meta.url.replace(/rtcstats-token=[^&]*/, 'rtcstats-token=obfuscated') : undefined,
      clientProtocol: typeof meta.clientProtocol === 'string' ? meta.clientProtocol : undefined,
    };
  }
  if (text.startsWith('["connectionInfo"')) {
    const lines = text.split('\n').filter(Boolean);
    let info: Record<string, unknown> = {};
    let start: number | undefined;
    let end: number | undefined;
    const identity: SniffedDump['identity'] = {};
    for (const line of lines) {
      try {
        const entry = JSON.parse(line);
        if (!Array.isArray(entry)) continue;
        if (entry[0] === 'connectionInfo') info = (typeof entry[2] === 'string' ? JSON.parse(entry[2]) : entry[2]) ?? {};
        if (entry[0] === 'identity' && entry[2] && typeof entry[2] === 'object') {
          identity.user ??= entry[2].displayName ?? entry[2].endpointId;
          identity.conference ??= entry[2].confName ?? entry[2].confID;
        }
        if (typeof entry[3] === 'number' && entry[3] > 0) {
          start = start === undefined ? entry[3] : Math.min(start, entry[3]);
          end = end === undefined ? entry[3] : Math.max(end, entry[3]);
        }
      } catch {
        // Corrupt lines are reported by the decoder during processing.
      }
    }
    return {
      format: 'jitsi',
      startTime: start,
      endTime: end,
      userAgent: typeof info.userAgent === 'string' ? info.userAgent : undefined,
      origin: typeof info.origin === 'string' ? info.origin : undefined,
      url: typeof info.url === 'string' ? info.url : undefined,
      clientProtocol: typeof info.clientProtocol === 'string' ? info.clientProtocol : undefined,
      identity,
    };
  }
  if (text.trimStart().startsWith('{')) {
    let dump: Record<string, unknown>;
    try {
      dump = JSON.parse(text);
    } catch {
      throw new ApiError('unprocessable_entity', 'webrtc-internals dump: invalid JSON');
    }
    if (!dump || typeof dump.PeerConnections !== 'object') {
      throw new ApiError('unprocessable_entity', 'webrtc-internals dump: no PeerConnections object');
    }
    let start: number | undefined;
    let end: number | undefined;
    for (const pc of Object.values(dump.PeerConnections as Record<string, { updateLog?: { time?: string | number }[] }>)) {
      for (const u of pc?.updateLog ?? []) {
        const t = typeof u.time === 'number' ? u.time : Date.parse(String(u.time));
        if (Number.isFinite(t)) {
          start = start === undefined ? t : Math.min(start, t);
          end = end === undefined ? t : Math.max(end, t);
        }
      }
    }
    const ua = typeof dump.UserAgent === 'string' ? dump.UserAgent : typeof dump.userAgent === 'string' ? dump.userAgent : undefined;
    return { format: 'webrtc-internals', startTime: start ?? (typeof dump.timestamp === 'number' ? dump.timestamp : undefined), endTime: end, userAgent: ua };
  }
  throw new ApiError('unsupported_media_type', 'Unrecognized dump: expected an RTCStatsDump (file format 3), a Jitsi dump or a webrtc-internals dump');
}

/** Multipart uploads carry the dump in a `file` field (or the first file part). */
async function dumpBytes(req: Request, limit: number): Promise<Buffer> {
  const type = req.headers.get('content-type') ?? '';
  if (type.startsWith('multipart/form-data')) {
    const declared = Number(req.headers.get('content-length') ?? '0');
    if (declared > limit) throw new ApiError('payload_too_large', `Body larger than ${Math.round(limit / 1048576)} MB`);
    const form = await req.formData().catch(() => {
      throw new ApiError('bad_request', 'Invalid multipart body');
    });
    const file = form.get('file') ?? [...form.values()].find((v) => typeof v !== 'string');
    if (!file || typeof file === 'string') throw new ApiError('bad_request', 'Multipart upload needs a `file` part');
    if (file.size > limit) throw new ApiError('payload_too_large', `File larger than ${Math.round(limit / 1048576)} MB`);
    return Buffer.from(await file.arrayBuffer());
  }
  return readLimitedBody(req, limit);
}

export interface UploadResult {
  id: string;
  dumpId: string;
  format: DumpKind;
  user: string | null;
  session: string | null;
  conference: string | null;
  historical: boolean;
  bytes: number;
}

/** POST /api/v1/upload: one whole dump becomes one ended session, then is processed like any other. */
export async function handleUpload(req: Request): Promise<UploadResult> {
  const ctx = serverContext();
  // Staff (engineer+) and API keys may upload from the dashboard with identity in the query; others need a token.
  const actor = await resolveActor(req).catch(() => null);
  const staffUpload = actor && hasRole(actor.role, 'engineer');
  const auth: VerifiedIngest = staffUpload ? { identity: {}, key: null } : await authorizeHttp(req);
  const bytes = maybeGunzip(await dumpBytes(req, ctx.maxUploadBytes));
  if (bytes.length === 0) throw new ApiError('bad_request', 'Empty body');
  const text = bytes.toString('utf8');
  const sniffed = sniffDump(text);
  const url = new URL(req.url);
  const param = (k: string) => url.searchParams.get(k)?.slice(0, 256) || undefined;
  const identity = {
    user: auth.identity.user ?? (staffUpload ? param('user') : undefined) ?? sniffed.identity?.user,
    session: auth.identity.session ?? (staffUpload ? param('session') : undefined) ?? sniffed.identity?.session,
    conference: auth.identity.conference ?? (staffUpload ? param('conference') : undefined) ?? sniffed.identity?.conference,
  };
  const dumpId = randomUUID();
  await writeFile(ctx.store.workPath(dumpId), bytes);
  const now = Date.now();
  const ua = sniffed.userAgent ? Bowser.parse(sniffed.userAgent) : undefined;
  const address = clientAddress(headersOf(req), undefined, ctx.trustedProxies);
  const historical = sniffed.startTime !== undefined ? isHistoricalTime(sniffed.startTime, now) : true;
  let id: bigint;
  try {
    id = await insertSession({
      dumpId,
      source: 'upload',
      format: sniffed.format,
      identity,
      sessionStart: new Date(sniffed.startTime ?? now),
      hostIdentifier: ctx.hostIdentifier,
      clientProtocol: sniffed.clientProtocol,
      userIsDevice: !identity.user,
      origin: sniffed.origin,
      userAgent: sniffed.userAgent,
      url: sniffed.url,
      remoteAddress: address ? obfuscateIp(address) : undefined,
      browserName: ua?.browser.name,
      browserVersion: ua?.browser.version,
      osName: ua?.os.name,
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
    sessionEnd: new Date(sniffed.endTime ?? sniffed.startTime ?? now),
    blobUrl,
    messageCount: text.split('\n').length,
    byteCount: bytes.length,
    firstEventAt: sniffed.startTime !== undefined ? new Date(sniffed.startTime) : undefined,
    lastEventAt: sniffed.endTime !== undefined ? new Date(sniffed.endTime) : undefined,
  });
  ctx.scheduleProcessing(id, 'ended');
  logger().info({ dumpId, sessionId: String(id), format: sniffed.format }, 'dump uploaded');
  return {
    id: String(id),
    dumpId,
    format: sniffed.format,
    user: identity.user ?? null,
    session: identity.session ?? null,
    conference: identity.conference ?? null,
    historical,
    bytes: bytes.length,
  };
}

export interface FramesResult {
  sessionId: string;
  accepted: number;
  ended: boolean;
}

const MAX_FRAMES_BYTES = 8 * 1024 * 1024;

/**
 * POST /api/v1/frames: NDJSON rtcstats frames. Frames for the same session id (token `session` claim, or the
 * `session` query parameter when auth is off) append to one dump; a `["close", null, code?, ms]` line, or 30
 * minutes without frames, ends it. A request with any invalid line is refused whole (422), so a dump never holds
 * half a batch.
 */
export async function handleFrames(req: Request): Promise<FramesResult> {
  const ctx = serverContext();
  const auth = await authorizeHttp(req);
  const url = new URL(req.url);
  const sessionKey = auth.identity.session ?? url.searchParams.get('session') ?? undefined;
  if (!sessionKey) throw new ApiError('bad_request', 'A session id is needed: the token `session` claim or ?session=');
  const body = maybeGunzip(await readLimitedBody(req, MAX_FRAMES_BYTES)).toString('utf8');
  const lines = body.split('\n').map((l) => l.trim()).filter(Boolean);
  let closeCode: number | undefined;
  const frames: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ApiError('unprocessable_entity', `line ${i + 1}: not valid JSON`);
    }
    if (!Array.isArray(parsed) || parsed.length < 2) throw new ApiError('unprocessable_entity', `line ${i + 1}: each frame must be a JSON array`);
    if (parsed[0] === 'close' && parsed[1] === null) {
      closeCode = typeof parsed[2] === 'number' ? parsed[2] : 1000;
      if (i !== lines.length - 1) throw new ApiError('unprocessable_entity', `line ${i + 1}: the close frame must be the last line`);
      break;
    }
    if (typeof parsed.at(-1) !== 'number') throw new ApiError('unprocessable_entity', `line ${i + 1}: the last element must be the timestamp delta (ms)`);
    frames.push(line);
  }
  const userAgent = req.headers.get('user-agent') ?? undefined;
  let session = ctx.live.bySessionId(sessionKey);
  if (!session) {
    if (isServerUserAgent(userAgent)) {
      throw new ApiError('forbidden', 'A server-shaped User-Agent cannot create a session; no live session with this id to attach to');
    }
    if (frames.length === 0 && closeCode !== undefined) throw new ApiError('not_found', 'No live session with this id');
    session = await LiveSession.open(ctx, {
      source: 'frames',
      format: 'rtcstats',
      auth: { ...auth, identity: { ...auth.identity, session: sessionKey } },
      userAgent,
      origin: req.headers.get('origin') ?? undefined,
      url: tokenFromRequest(url.pathname + url.search).safeUrl,
      remoteAddress: clientAddress(headersOf(req), undefined, ctx.trustedProxies),
      clientProtocol: req.headers.get('x-rtcstats-protocol') ?? 'rtcstats#5.0',
      timing: 'delta',
      header: (metadata) => ['RTCStatsDump', JSON.stringify(metadata)],
    });
  }
  for (const frame of frames) session.append(frame);
  if (closeCode !== undefined) await session.end(closeCode, 'close frame');
  return { sessionId: String(session.id), accepted: frames.length, ended: closeCode !== undefined };
}
