/**
 * Where an ingest token comes from: the `rtcstats-token` query parameter (rtcstats-js), a `/t/<token>/...`
 * path segment (a Jitsi client cannot add query parameters) or `Authorization: Bearer` (HTTP uploads).
 * Also produces the URL as stored in dump metadata, with the token replaced by `obfuscated`.
 */
export interface RequestToken {
  token: string | null;
  /** Path without the `/t/<token>` prefix. */
  path: string;
  query: URLSearchParams;
  /** pathname + search with the token obfuscated (what the dump metadata records). */
  safeUrl: string;
}

export function tokenFromRequest(rawUrl: string | undefined, authorization?: string | string[]): RequestToken {
  const url = new URL(rawUrl ?? '/', 'http://localhost');
  let token = url.searchParams.get('rtcstats-token');
  let path = url.pathname;
  const segment = /^\/t\/([^/]+)(\/.*)?$/.exec(path);
  if (segment) {
    token ??= decodeURIComponent(segment[1]);
    path = segment[2] ?? '/';
  }
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  if (!token && header && /^Bearer\s+/i.test(header)) token = header.replace(/^Bearer\s+/i, '').trim() || null;
  const query = new URLSearchParams(url.searchParams);
  if (query.has('rtcstats-token')) query.set('rtcstats-token', 'obfuscated');
  const search = query.toString();
  const safePath = segment ? `/t/obfuscated${path === '/' ? '' : path}` : path;
  return { token, path, query: url.searchParams, safeUrl: search ? `${safePath}?${search}` : safePath };
}
