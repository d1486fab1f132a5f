/**
 * `GET /metrics` (metrics.ts's registry, Prometheus text format), answered by the HTTP server before Next. Nothing
 * leaks by default: on the main port it needs `Authorization: Bearer $CALLSCOPE_METRICS_TOKEN` and answers 404 while
 * that is unset; `CALLSCOPE_METRICS_PORT` serves it without a token on a second server bound to 127.0.0.1.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { logger } from '@/lib/server/logger';
import { scrape, timeHttpRequest } from '@/lib/server/metrics';

type Headers = Record<string, string>;

/** `GET` or `HEAD /metrics` (any query); other methods fall through, as for `/healthcheck`. */
export function isMetricsRequest(req: http.IncomingMessage): boolean {
  const path = req.url?.split('?')[0];
  return path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD');
}

function sendError(res: http.ServerResponse, headers: Headers, status: number, code: string, message: string) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** Constant time whatever the lengths: both sides hashed to 32 bytes first. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/** Answers a metrics request: with `requireToken` (the main port) 404 while no token is set, 401 without it. */
export function serveMetrics(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  o: { headers: Headers; requireToken: boolean; token?: string },
): void {
  if (o.requireToken) {
    if (o.token === undefined) {
      sendError(res, o.headers, 404, 'not_found', 'Not found');
      return;
    }
    if (!tokenMatches(req.headers.authorization, o.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendError(res, o.headers, 401, 'unauthorized', 'A valid metrics bearer token is required');
      return;
    }
  }
  scrape().then(
    ({ contentType, body }) => {
      res.writeHead(200, { ...o.headers, 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err) => {
      logger().error({ err }, 'collecting metrics failed');
      sendError(res, o.headers, 500, 'internal_error', 'Collecting metrics failed');
    },
  );
}

/**
 * The token-free metrics server on 127.0.0.1:`port`, closed when `main` closes. A port that cannot be bound is
 * logged as an error; the main server keeps serving.
 */
export function startMetricsServer(port: number, headers: Headers, main: http.Server): void {
  const server = http.createServer((req, res) => {
    timeHttpRequest(req, res);
    if (isMetricsRequest(req)) serveMetrics(req, res, { headers, requireToken: false });
    else sendError(res, headers, 404, 'not_found', 'Only /metrics is served on this port');
  });
  server.on('error', (err) => logger().error({ err, port }, 'metrics port could not be served'));
  server.listen(port, '127.0.0.1');
  main.once('close', () => {
    server.close();
    server.closeAllConnections();
  });
}
