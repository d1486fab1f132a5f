import { type NextRequest, NextResponse } from 'next/server';
import { serverContext } from '@/lib/server/context';

/**
 * Runs before every request Next serves (no matcher: pages, API routes and static assets alike) and sets the
 * security headers (docs/security.md, "Security headers"):
 * - pages get a Content-Security-Policy with a fresh nonce: Next reads it from the request's CSP header and puts it
 *   on its own scripts (framework, page bundles, the inline RSC payload that carries react-query's dehydrated
 *   state), so no script needs 'unsafe-inline'. Pages are rendered per request anyway (the root layout awaits
 *   the request). Everything else gets a CSP that allows nothing (JSON, files, next-auth's plain pages).
 * - everywhere: frame-ancestors 'none' and X-Frame-Options: DENY (no framing), nosniff, a referrer policy, and
 *   HSTS when the site is served over https (NEXTAUTH_URL, or X-Forwarded-Proto from a trusted proxy).
 * Pages also get the requested path and query as `x-callscope-url`: a layout cannot see the URL, and a signed-out
 * visitor should land back on the page they asked for after signing in. No auth here: the layouts and every API
 * route check the session and the role themselves.
 */
export function proxy(request: NextRequest) {
  const https = servedOverHttps(request);
  if (!isPage(request.nextUrl.pathname)) {
    const response = NextResponse.next();
    setCommonHeaders(response.headers, https);
    response.headers.set('content-security-policy', RESOURCE_CSP);
    return response;
  }
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64');
  const csp = pageCsp(nonce, https);
  const headers = new Headers(request.headers);
  headers.set('x-callscope-url', `${request.nextUrl.pathname}${request.nextUrl.search}`);
  headers.set('x-nonce', nonce);
  headers.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers } });
  setCommonHeaders(response.headers, https);
  response.headers.set('content-security-policy', csp);
  return response;
}

/** Documents: everything but the API and Next's own files (ids in page paths may contain dots: `/users/a.b`). */
function isPage(pathname: string): boolean {
  return !/^\/(api|_next)\//.test(pathname);
}

function servedOverHttps(request: NextRequest): boolean {
  if (process.env.NEXTAUTH_URL?.startsWith('https://')) return true;
  if (request.nextUrl.protocol === 'https:') return true;
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https' && trustsProxy();
}

/** X-Forwarded-Proto counts only with CALLSCOPE_TRUST_PROXY (a client could send it as well as a proxy). */
function trustsProxy(): boolean {
  try {
    return serverContext().trustedProxies > 0;
  } catch {
    return false;
  }
}

function setCommonHeaders(headers: Headers, https: boolean): void {
  headers.set('x-frame-options', 'DENY');
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'strict-origin-when-cross-origin');
  if (https) headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

/** JSON, files, next-auth's own plain pages: nothing may run, load or frame them. */
const RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The dashboard's policy. Scripts: only this response's nonce ('strict-dynamic' lets those scripts load the chunks
 * they import); no inline script, no eval (development only: React's error overlay needs it). Styles: files from this
 * origin, and inline styles: React renders `style={…}` as attributes on the server (charts, layout), and CSS cannot
 * run script; what an injected style could fetch is held to this origin by img-src, font-src and connect-src.
 */
function pageCsp(nonce: string, https: boolean): string {
  const dev = process.env.NODE_ENV === 'development';
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // The dashboard polls the API (no WebSocket); 'self' also covers ws:/wss: to this host (development reloads).
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}
