/**
 * Platform callbacks in: Vonage Video session-monitoring callbacks (`POST /api/v1/monitoring/vonage`,
 * docs/monitoring.md) land on a Callscope conference's timeline beside Callscope's own events, as source `vonage`.
 *
 * The request is a machine's: no staff session, no cookie, so no CSRF rule applies; what authenticates it is the
 * `Authorization: Bearer` JWT Vonage signs with the signature secret (HS256), checked when one is configured, with
 * the body's SHA-256 when the token carries `payload_hash`. Vonage counts anything but a 200 as a failure (and the
 * legacy regime disables the callback after 50 in 30 minutes), so the route only checks and queues, answering 200
 * quickly; a job (any node, retried) maps and stores the event.
 *
 * Callbacks carry no event id and arrive late (up to 24 h of retries) and out of order: each is stored under a key
 * derived from what it is, so a replay is ignored, and a created that arrives after its destroyed is never stored
 * (a late created never revives an ended connection or stream).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { MonitoringConnection, MonitoringStream } from '@/lib/schemas/monitoring';
import {
  VONAGE_EVENTS,
  VONAGE_MAX_BODY_BYTES,
  type VonageCallback,
  type VonageReceipt,
  vonageCallbackSchema,
} from '@/lib/schemas/vonage-callbacks';
import type { NewMonitoringEvent } from '@/lib/server/data/monitoring';
import { rememberVonageSession, vonageSessionConference } from '@/lib/server/data/vonage-sessions';
import { DomainError } from '@/lib/server/domain-error';
import type { JobQueue } from '@/lib/server/jobs/job-queue';
import { logger } from '@/lib/server/logger';
import type { Monitoring } from '@/lib/server/monitoring/monitoring';

export const VONAGE_CALLBACK_QUEUE = 'vonage-callback';
/** Vonage's callback service retries for 24 h: anything older is not a delivery we can still expect. */
export const VONAGE_MAX_AGE_MS = 24 * 3600_000;
/** A timestamp this far ahead of our clock is not a real event. */
const VONAGE_MAX_AHEAD_MS = 5 * 60_000;
/** Session callbacks under a data rule wait this long, this often, for a connection that names their conference. */
const SESSION_DEFER_SECONDS = 5;
const SESSION_MAX_DEFERRALS = 3;

/** Where a callback's conference comes from: the Vonage session id, or a field of the token data (JSON). */
export type ConferenceRule = { from: 'sessionId' } | { from: 'data'; field: string };

/** CALLSCOPE_VONAGE_CONFERENCE_FROM: `sessionId` or `data:<field>` (env.ts checks the syntax). */
export function parseConferenceRule(raw: string): ConferenceRule {
  return raw.startsWith('data:') ? { from: 'data', field: raw.slice('data:'.length) } : { from: 'sessionId' };
}

export interface VonageCallbackJob {
  callback: VonageCallback;
  /** Epoch ms when the route accepted it. */
  receivedAt: number;
  /** How many times a session callback waited for its conference (data rule). */
  deferrals?: number;
}

/** Why a callback is refused; the route wrapper answers with the status (nothing is stored). */
export class VonageCallbackError extends DomainError<
  'too_large' | 'unsigned' | 'bad_signature' | 'bad_json' | 'invalid'
> {
  override name = 'VonageCallbackError';
  protected readonly statusOf = {
    too_large: 'payload_too_large',
    unsigned: 'unauthorized',
    bad_signature: 'unauthorized',
    bad_json: 'bad_request',
    invalid: 'unprocessable_entity',
  } as const;
}

function tokenData(data: string | null | undefined): Record<string, unknown> | undefined {
  if (!data?.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function shortString(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined;
}

/** The user a token data names: its JSON `userId` or `user`, else the data itself (what tokens usually carry). */
export function vonageUser(data: string | null | undefined): string | null {
  const json = tokenData(data);
  if (json) return shortString(json.userId) ?? shortString(json.user) ?? null;
  return shortString(data) ?? null;
}

function callbackConnection(c: VonageCallback) {
  if ('connection' in c) return c.connection;
  if ('stream' in c) return c.stream.connection;
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The body up to `limit` bytes, else 413 (the declared length is checked before anything is read). */
async function readBody(req: Request, limit: number): Promise<Buffer> {
  const tooLarge = () => new VonageCallbackError('too_large', `A callback body has at most ${limit} bytes`);
  if (Number(req.headers.get('content-length') ?? '0') > limit) throw tooLarge();
  if (!req.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

export class VonageCallbacks {
  private readonly rule: ConferenceRule;
  private readonly secret: Uint8Array | undefined;

  constructor(
    private readonly options: {
      /** CALLSCOPE_VONAGE_SIGNATURE_SECRET; unset: callbacks are accepted unsigned. */
      signatureSecret?: string;
      conferenceFrom: string;
      monitoring: Monitoring;
      jobs: Pick<JobQueue, 'send'>;
    },
  ) {
    this.rule = parseConferenceRule(options.conferenceFrom);
    this.secret = options.signatureSecret ? new TextEncoder().encode(options.signatureSecret) : undefined;
  }

  get signed(): boolean {
    return this.secret !== undefined;
  }

  /** 401 unless the bearer JWT verifies (HS256) and, when it has `payload_hash`, the body's SHA-256 (hex) matches. */
  private async verify(authorization: string | null, body: Buffer): Promise<void> {
    if (!this.secret) return;
    const token = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw new VonageCallbackError('unsigned', 'A signed callback needs Authorization: Bearer <JWT>');
    let claims: Record<string, unknown>;
    try {
      claims = (await jwtVerify(token, this.secret, { algorithms: ['HS256'] })).payload;
    } catch {
      throw new VonageCallbackError('bad_signature', 'The callback signature does not verify');
    }
    if (claims.payload_hash !== undefined) {
      const hash = createHash('sha256').update(body).digest('hex');
      if (typeof claims.payload_hash !== 'string' || !sameText(claims.payload_hash.toLowerCase(), hash)) {
        throw new VonageCallbackError('bad_signature', 'The body does not match the signed payload_hash');
      }
    }
  }

  /**
   * The route's work: bounded body, signature, validation, the 24 h window, then a job. Unknown event names and
   * callbacks outside the window are acknowledged (200) and dropped: a non-200 would only make Vonage retry them.
   */
  async receive(req: Request, now = Date.now()): Promise<VonageReceipt> {
    const body = await readBody(req, VONAGE_MAX_BODY_BYTES);
    await this.verify(req.headers.get('authorization'), body);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new VonageCallbackError('bad_json', 'Body must be valid JSON');
    }
    const event = (json as { event?: unknown } | null)?.event;
    if (typeof event === 'string' && !(VONAGE_EVENTS as readonly string[]).includes(event)) {
      return { accepted: false, ignored: 'unknown_event' };
    }
    const parsed = vonageCallbackSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new VonageCallbackError(
        'invalid',
        `Not a Vonage session-monitoring callback: ${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'invalid'}`,
      );
    }
    const callback = parsed.data;
    if (callback.timestamp < now - VONAGE_MAX_AGE_MS) return { accepted: false, ignored: 'too_old' };
    if (callback.timestamp > now + VONAGE_MAX_AHEAD_MS) return { accepted: false, ignored: 'in_future' };
    const job: VonageCallbackJob = { callback, receivedAt: now };
    await this.options.jobs.send(VONAGE_CALLBACK_QUEUE, job);
    return { accepted: true };
  }

  /** The queue: a few retries (a database hiccup), claims expire quickly (a callback is one small transaction). */
  define(jobs: JobQueue): Promise<void> {
    return jobs.define<VonageCallbackJob>({
      name: VONAGE_CALLBACK_QUEUE,
      queue: { policy: 'standard', expireInSeconds: 60, retryLimit: 5, retryDelay: 5, retryBackoff: true },
      pollingIntervalSeconds: 2,
      handler: (job) => this.handle(job.data),
    });
  }

  /** The conference a connection's token data names (data rule), if it names one. */
  private conferenceFromData(data: string | null | undefined): string | undefined {
    if (this.rule.from !== 'data') return undefined;
    return shortString(tokenData(data)?.[this.rule.field]);
  }

  /** Maps and stores one callback (the job). */
  async handle(job: VonageCallbackJob): Promise<void> {
    const c = job.callback;
    const connection = callbackConnection(c);
    let conference = this.conferenceFromData(connection?.data);
    if (conference) {
      await rememberVonageSession(c.sessionId, conference);
    } else if (!connection && this.rule.from === 'data') {
      conference = await vonageSessionConference(c.sessionId);
      const deferrals = job.deferrals ?? 0;
      if (!conference && deferrals < SESSION_MAX_DEFERRALS) {
        // Session callbacks often overtake the first connectionCreated, which is what names the conference.
        await this.options.jobs.send(
          VONAGE_CALLBACK_QUEUE,
          { ...job, deferrals: deferrals + 1 },
          { startAfter: SESSION_DEFER_SECONDS },
        );
        return;
      }
    }
    conference ??= c.sessionId;
    const event = this.event(c, conference);
    const blockers = blockingKeys(c);
    const result = await this.options.monitoring.record(conference, async (_room, read) => {
      if ((await read.existing(blockers)).size > 0) return { events: [] };
      return { events: [event] };
    });
    if (result.stored.length === 0) {
      logger().debug(
        { event: c.event, sessionId: c.sessionId, conference },
        'vonage callback already known or superseded',
      );
    }
  }

  private event(c: VonageCallback, conference: string): NewMonitoringEvent {
    const monitoring = this.options.monitoring;
    const conn = callbackConnection(c);
    const user = conn ? vonageUser(conn.data) : null;
    const connection: MonitoringConnection | undefined = conn
      ? { id: conn.id, createdAt: conn.createdAt, data: conn.data ?? null }
      : undefined;
    const stream: MonitoringStream | undefined =
      'stream' in c && connection
        ? {
            id: c.stream.id,
            connection,
            createdAt: c.stream.createdAt,
            name: c.stream.name ?? '',
            ...(c.stream.videoType ? { videoType: c.stream.videoType } : {}),
          }
        : undefined;
    const projectId = String(c.projectId ?? c.applicationId);
    return {
      event: c.event,
      source: 'vonage',
      occurredAt: new Date(c.timestamp),
      connectionId: conn?.id,
      userId: user,
      streamId: stream?.id,
      payload: monitoring.payload(c.event, conference, c.timestamp, {
        projectId,
        ...(connection ? { connection } : {}),
        ...(stream ? { stream } : {}),
        ...('reason' in c ? { reason: c.reason } : {}),
        callscope: {
          source: 'vonage',
          eventId: '',
          user,
          vonage: {
            sessionId: c.sessionId,
            ...(c.projectId !== undefined ? { projectId: String(c.projectId) } : {}),
            ...(c.applicationId !== undefined ? { applicationId: c.applicationId } : {}),
          },
        },
      }),
      dedupeKey: dedupeKey(c),
    };
  }
}

/**
 * The key a callback is stored under. A Vonage connection or stream id is created once and destroyed once, so the
 * key is the event and the id (a replay, with or without the same timestamp or reason, is the same key); session
 * events repeat for one session id (it reopens), so theirs adds the timestamp.
 */
function dedupeKey(c: VonageCallback): string {
  switch (c.event) {
    case 'connectionCreated':
    case 'connectionDestroyed':
      return `vonage:${c.event}:${c.sessionId}:${c.connection.id}`;
    case 'streamCreated':
    case 'streamDestroyed':
      return `vonage:${c.event}:${c.sessionId}:${c.stream.id}`;
    default:
      return `vonage:${c.event}:${c.sessionId}:${c.timestamp}`;
  }
}

/**
 * What makes a callback change nothing: itself stored already, and for a created, its destroyed (a stream's also
 * its connection's end: a stream cannot outlive its connection).
 */
function blockingKeys(c: VonageCallback): string[] {
  const own = dedupeKey(c);
  if (c.event === 'connectionCreated') return [own, `vonage:connectionDestroyed:${c.sessionId}:${c.connection.id}`];
  if (c.event === 'streamCreated') {
    return [
      own,
      `vonage:streamDestroyed:${c.sessionId}:${c.stream.id}`,
      `vonage:connectionDestroyed:${c.sessionId}:${c.stream.connection.id}`,
    ];
  }
  return [own];
}
