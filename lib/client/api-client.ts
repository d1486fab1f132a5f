/**
 * The one fetch wrapper the dashboard uses: same-origin, JSON, and every non-2xx answer becomes an
 * `ApiClientError` carrying the API's `{error: {code, message}}` so screens can tell 401, 403 and 404 apart.
 */

export class ApiClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: unknown,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
}

export type QueryParams = Record<string, string | number | boolean | null | undefined>;

/** A same-origin API URL with its query (empty values left out): for fetches, and links such as the exports. */
export function apiUrl(path: string, params?: QueryParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

async function toError(res: Response): Promise<ApiClientError> {
  let code = res.status === 401 ? 'unauthorized' : res.status === 403 ? 'forbidden' : 'http_error';
  let message = `Request failed (${res.status})`;
  let issues: unknown;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; issues?: unknown } };
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      issues = body.error.issues;
    }
  } catch {
    // Not JSON (proxy error page...): keep the generic message.
  }
  return new ApiClientError(res.status, code, message, issues);
}

export async function apiRequest<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { params?: QueryParams; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const res = await fetch(apiUrl(path, options.params), {
    method,
    credentials: 'same-origin',
    signal: options.signal,
    headers: {
      accept: 'application/json',
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function apiGet<T>(path: string, params?: QueryParams, signal?: AbortSignal): Promise<T> {
  return apiRequest<T>('GET', path, { params, signal });
}

export function apiPost<T>(path: string, body: unknown): Promise<T> {
  return apiRequest<T>('POST', path, { body });
}
