import { NextRequest } from 'next/server';
import { expect } from 'vitest';
import type { z } from 'zod';

/**
 * Calls App Router route handlers in this process, as Next calls them (a NextRequest and a params promise), with an
 * API key as the bearer: no Next server needed. API keys are not cookie sessions, so the handlers' cookie-only
 * checks (Origin/CSRF) do not apply.
 */

type Handler<P> = (req: NextRequest, segment: { params: Promise<P> }) => Promise<Response>;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const BASE = 'http://callscope.test';

/** One call through `handler`; the answer must have `status` (default 200) and a JSON body, which it returns. */
async function call<P>(
  apiKey: string,
  handler: Handler<P>,
  method: Method,
  path: string,
  params: P,
  opts: { body?: unknown; status?: number },
): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const req = new NextRequest(new URL(path, BASE), {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const res = await handler(req, { params: Promise.resolve(params) });
  const body = await res.json();
  expect(res.status, `${method} ${path}: ${JSON.stringify(body).slice(0, 500)}`).toBe(opts.status ?? 200);
  return body;
}

export interface RouteCaller {
  get<P>(handler: Handler<P>, path: string, params: P, status?: number): Promise<unknown>;
  post<P>(handler: Handler<P>, path: string, params: P, body: unknown, status?: number): Promise<unknown>;
  put<P>(handler: Handler<P>, path: string, params: P, body: unknown, status?: number): Promise<unknown>;
  patch<P>(handler: Handler<P>, path: string, params: P, body: unknown, status?: number): Promise<unknown>;
  delete<P>(handler: Handler<P>, path: string, params: P, status?: number): Promise<unknown>;
}

/** Calls route handlers with `Authorization: Bearer <apiKey>`. */
export function routeCaller(apiKey: string): RouteCaller {
  return {
    get: (handler, path, params, status) => call(apiKey, handler, 'GET', path, params, { status }),
    post: (handler, path, params, body, status) => call(apiKey, handler, 'POST', path, params, { body, status }),
    put: (handler, path, params, body, status) => call(apiKey, handler, 'PUT', path, params, { body, status }),
    patch: (handler, path, params, body, status) => call(apiKey, handler, 'PATCH', path, params, { body, status }),
    delete: (handler, path, params, status) => call(apiKey, handler, 'DELETE', path, params, { status }),
  };
}

/** `schema.parse` with zod's own account of what differs (path and expectation) as the failure message. */
export function parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new Error(`${what} does not match its schema:\n${JSON.stringify(result.error.issues, null, 2)}`);
  return result.data;
}

/** For routes without dynamic segments. */
export const noParams = {};
