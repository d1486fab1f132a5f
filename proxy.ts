import { type NextRequest, NextResponse } from 'next/server';

/**
 * Hands the requested page (path and query) to the server layouts as `x-callscope-url`: a layout cannot see the
 * URL, and a signed-out visitor should land back on the page they asked for after signing in. No auth here: the
 * layouts and every API route check the session and the role themselves.
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set('x-callscope-url', `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Pages only: not the API, Next's assets or files with an extension.
  matcher: ['/((?!api/|_next/|.*\\..*).*)'],
};
