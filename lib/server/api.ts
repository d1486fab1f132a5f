/**
 * The one wrapper every route handler goes through: zod validation, the role check, and one error shape
 * `{error: {code, message, issues?}}`. 401 means "not signed in"; 403 "signed in but not allowed".
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

/** Who calls: an API key in `Authorization: Bearer cs_...`, else the staff session cookie. */
export async function resolveActor(req: Request): Promise<Actor | null> {
  const header = req.headers.get('authorization');
  if (header && /^Bearer\s+cs_/i.test(header)) {
    const key = await verifyApiKey(header.replace(/^Bearer\s+/i, '').trim());
    if (!key || !isRole(key.role)) throw new ApiError('unauthorized', 'API key is invalid or revoked');
    return { kind: 'api-key', id: key.id, role: key.role };
  }
  const staff = await getStaffSession();
  return staff ? { kind: 'staff', id: staff.id, email: staff.email, role: staff.role } : null;
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
        actor = await resolveActor(req).catch(() => null);
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
  if (err instanceof DumpFormatError) return errorResponse(DUMP_FORMAT_ERROR[err.kind], err.message);
  if (err instanceof DomainError) return errorResponse(err.apiCode, err.message, { reason: err.code });
  const code = (err as { code?: string })?.code;
  // Prisma errors by code, never by message text.
  if (code === 'P2002') return errorResponse('conflict', 'Already exists');
  if (code === 'P2025') return errorResponse('not_found', 'Not found');
  logger().error({ err }, 'unhandled API error');
  return errorResponse('internal_error', 'Internal error');
}
