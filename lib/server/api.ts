/**
 * The one wrapper every route handler goes through: zod validation, the role check, CSRF protection of
 * cookie-authenticated writes, and one error shape `{error: {code, message, issues?}}`. 401 means "not signed in";
 * 403 "signed in but not allowed" (or a write from another origin). docs/security.md describes the CSRF rule.
 */

import type { NextRequest } from 'next/server';
import { z } from 'zod';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { verifyApiKey } from '@/lib/server/data/api-keys';
import type { Actor as AuditActor } from '@/lib/server/data/audit';
import { DomainError } from '@/lib/server/domain-error';
import { forwardedClientAddress } from '@/lib/server/ingest/session-rules';
import { logger } from '@/lib/server/logger';
import { hasRole, isRole, type Role } from '@/lib/shared/roles';
import { isUuid } from '@/lib/shared/uuid';
import { DumpFormatError, type DumpFormatErrorKind } from '@/lib/stats/decode/dump-format-error';

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable_entity: 422,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: unknown,
  ) {
    super(message);
  }
}

export function errorResponse(code: ErrorCode, message: string, issues?: unknown, headers?: HeadersInit): Response {
  return Response.json(
    { error: { code, message, ...(issues ? { issues } : {}) } },
    { status: ERROR_STATUS[code], headers },
  );
}

export type Actor =
  | { kind: 'staff'; id: string; email: string; role: Role }
  | { kind: 'api-key'; id: string; role: Role };

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function firstValue(req: Request, name: string): string | undefined {
  return req.headers.get(name)?.split(',')[0]?.trim() || undefined;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The origins this server answers as: the request's own (`Host`, or `X-Forwarded-Host`, with `X-Forwarded-Proto`)
 * and NEXTAUTH_URL's. A cross-site page cannot set any of these headers on a request it makes the browser send
 * (a custom header needs a CORS preflight, which Callscope never grants), so they are safe to compare with here.
 */
function ownOrigins(req: Request): Set<string> {
  const origins = new Set<string>();
  const proto = firstValue(req, 'x-forwarded-proto') ?? originOf(req.url)?.split(':')[0] ?? 'http';
  for (const host of [firstValue(req, 'x-forwarded-host'), firstValue(req, 'host')]) {
    const origin = host ? originOf(`${proto}://${host}`) : undefined;
    if (origin) origins.add(origin);
  }
  const configured = process.env.NEXTAUTH_URL ? originOf(process.env.NEXTAUTH_URL) : undefined;
  if (configured) origins.add(configured);
  return origins;
}

/**
 * Whether a browser sent this request from one of our own pages: its `Origin` is ours, or the browser itself says
 * `Sec-Fetch-Site: same-origin`. `required`: a request without `Origin` fails too (cookie-authenticated writes).
 */
function fromOwnOrigin(req: Request, required: boolean): boolean {
  if (req.headers.get('sec-fetch-site') === 'same-origin') return true;
  const origin = req.headers.get('origin');
  if (!origin) return !required;
  return ownOrigins(req).has(origin);
}

/**
 * CSRF protection for writes a browser could be made to send: a cookie-authenticated POST/PUT/PATCH/DELETE must come
 * from one of Callscope's own pages (`Origin` or `Sec-Fetch-Site`, a missing `Origin` refused). A same-site page on
 * another port gets the cookie sent along, and an HTML form needs no CORS preflight: only these headers tell.
 */
function assertSameOriginWrite(req: Request): void {
  if (!WRITE_METHODS.has(req.method)) return;
  if (!fromOwnOrigin(req, true)) {
    throw new ApiError(
      'forbidden',
      req.headers.get('origin')
        ? 'Cross-origin request refused: a signed-in write must come from this site'
        : 'Request without an Origin header refused: a signed-in write must come from this site',
    );
  }
}

/**
 * Who calls: an API key in `Authorization: Bearer cs_...`, else the staff session cookie. A cookie-authenticated
 * write from another origin throws 403 (CSRF; API keys are not sent by browsers on their own and are exempt).
 */
export async function resolveActor(req: Request): Promise<Actor | null> {
  const header = req.headers.get('authorization');
  if (header && /^Bearer\s+cs_/i.test(header)) {
    const key = await verifyApiKey(header.replace(/^Bearer\s+/i, '').trim());
    if (!key || !isRole(key.role)) throw new ApiError('unauthorized', 'API key is invalid or revoked');
    return { kind: 'api-key', id: key.id, role: key.role };
  }
  const staff = await getStaffSession();
  if (!staff) return null;
  assertSameOriginWrite(req);
  return { kind: 'staff', id: staff.id, email: staff.email, role: staff.role };
}

/** JSON bodies must say so: a form (`text/plain`, urlencoded, multipart) cannot then pose as a JSON call. */
function assertJsonBody(req: Request): void {
  const type = req.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError('unsupported_media_type', 'The body must be JSON, sent with Content-Type: application/json');
  }
}

/**
 * The audit log's actor for a request. Staff: id + email. API keys: no actor id (actor_id holds staff ids only), the
 * key's id in the email column as `api-key:<id>`. The address is the one server.ts resolved.
 */
export function auditActor(actor: Actor | null, req: Request): AuditActor {
  const ip = forwardedClientAddress(req.headers.get('x-forwarded-for')) ?? null;
  if (!actor) return { id: null, email: null, ip };
  if (actor.kind === 'staff') return { id: actor.id, email: actor.email, ip };
  return { id: null, email: `api-key:${actor.id}`, ip };
}

/** 404 for ids that cannot exist (Prisma would throw on a malformed uuid). */
export function requireUuid(id: string, what: string): string {
  if (!isUuid(id)) throw new ApiError('not_found', `No ${what} ${id}`);
  return id;
}

type Access = 'public' | Role;

export interface RouteContext<Q, B, P> {
  req: NextRequest;
  query: Q;
  body: B;
  params: P;
  actor: Actor | null;
}

interface RouteOptions<Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  access: Access;
  query?: Q;
  body?: B;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export function route<
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  P = Record<string, string>,
>(options: RouteOptions<Q, B>, handler: (ctx: RouteContext<Infer<Q>, Infer<B>, P>) => Promise<Response | unknown>) {
  return async (req: NextRequest, segment: { params: Promise<P> }): Promise<Response> => {
    try {
      const params = (await segment?.params) ?? ({} as P);
      let actor: Actor | null = null;
      if (options.access !== 'public') {
        actor = await resolveActor(req);
        if (!actor) throw new ApiError('unauthorized', 'Sign in or send an API key');
        if (!hasRole(actor.role, options.access)) {
          throw new ApiError('forbidden', `This needs the ${options.access} role`);
        }
      } else {
        // Public routes judge a request by its token (ingest) or by nothing (setup): a cookie that fails the
        // origin check is not an error here, it is just not used (handleUpload grants staff nothing without it).
        actor = await resolveActor(req).catch(() => null);
        // A public JSON write (first-admin setup) sent by a browser must still come from our own pages.
        if (options.body && WRITE_METHODS.has(req.method) && !fromOwnOrigin(req, false)) {
          throw new ApiError('forbidden', 'Cross-origin request refused');
        }
      }
      let query = undefined as Infer<Q>;
      if (options.query) {
        const parsed = options.query.safeParse(Object.fromEntries(req.nextUrl.searchParams));
        if (!parsed.success)
          throw new ApiError('unprocessable_entity', 'Invalid query parameters', z.treeifyError(parsed.error));
        query = parsed.data as Infer<Q>;
      }
      let body = undefined as Infer<B>;
      if (options.body) {
        // API keys are sent by programs, which may leave the header out; anything a browser sends must be JSON.
        if (actor?.kind !== 'api-key') assertJsonBody(req);
        let raw: unknown;
        try {
          raw = await req.json();
        } catch {
          throw new ApiError('bad_request', 'Body must be valid JSON');
        }
        const parsed = options.body.safeParse(raw);
        if (!parsed.success) throw new ApiError('unprocessable_entity', 'Invalid body', z.treeifyError(parsed.error));
        body = parsed.data as Infer<B>;
      }
      const result = await handler({ req, query, body, params, actor });
      if (result instanceof Response) return result;
      return Response.json(result, { headers: { 'cache-control': 'no-store' } });
    } catch (err) {
      return toErrorResponse(err);
    }
  };
}

const DUMP_FORMAT_ERROR: Record<DumpFormatErrorKind, ErrorCode> = {
  unsupported: 'unsupported_media_type',
  invalid: 'unprocessable_entity',
  too_large: 'payload_too_large',
};

function toErrorResponse(err: unknown): Response {
  if (err instanceof ApiError) return errorResponse(err.code, err.message, err.issues);
  if (DumpFormatError.is(err)) return errorResponse(DUMP_FORMAT_ERROR[err.kind], err.message);
  if (err instanceof DomainError) return errorResponse(err.apiCode, err.message, { reason: err.code });
  const code = (err as { code?: string })?.code;
  // Prisma errors by code, never by message text.
  if (code === 'P2002') return errorResponse('conflict', 'Already exists');
  if (code === 'P2025') return errorResponse('not_found', 'Not found');
  logger().error({ err }, 'unhandled API error');
  return errorResponse('internal_error', 'Internal error');
}
