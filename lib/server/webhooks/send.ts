/**
 * One webhook attempt on the wire: a Standard Webhooks POST (headers `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, signed by the `standardwebhooks` package over the exact bytes sent), over node:http(s) so
 * the connection goes through the SSRF guard's lookup (fetch cannot take one). Success is a 2xx within the timeout;
 * a redirect is a failure and is not followed; what the receiver answered is kept short for the delivery log.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { assertLiteralAllowed, guardedLookup } from '@/lib/server/webhooks/address-guard';

/** Standard Webhooks: 24–64 random bytes, `whsec_` + base64. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** One `v1,` signature per secret (the current one, and the previous one during a rotation), space-separated. */
export function signatureHeader(id: string, at: Date, body: string, secrets: string[]): string {
  return secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
}

export interface AttemptOutcome {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/** How much of a receiver's answer the delivery log keeps. */
const EXCERPT_BYTES = 1024;

export async function postWebhook(opts: {
  url: string;
  id: string;
  body: string;
  secrets: string[];
  allowPrivate: boolean;
  timeoutMs: number;
  userAgent: string;
}): Promise<AttemptOutcome> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const at = new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': opts.userAgent,
    'webhook-id': opts.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatureHeader(opts.id, at, opts.body, opts.secrets),
  };
  try {
    const url = new URL(opts.url);
    assertLiteralAllowed(url, opts.allowPrivate);
    const { status, excerpt } = await request(url, headers, opts.body, opts.allowPrivate, opts.timeoutMs);
    const ok = status >= 200 && status < 300;
    return {
      ok,
      status,
      latencyMs: latency(),
      responseExcerpt: excerpt,
      error: ok ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}`,
    };
  } catch (err) {
    const e = err as Error & { code?: string };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    return {
      ok: false,
      status: null,
      latencyMs: latency(),
      responseExcerpt: null,
      error: timedOut ? `no answer within ${opts.timeoutMs / 1000} s` : (e.code ? `${e.code}: ` : '') + e.message,
    };
  }
}

function request(
  url: URL,
  headers: Record<string, string>,
  body: string,
  allowPrivate: boolean,
  timeoutMs: number,
): Promise<{ status: number; excerpt: string | null }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(allowPrivate),
        // A fresh connection per attempt: a pooled socket would skip the lookup (and its check).
        agent: false,
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          // Enough for the log: stop reading a large answer.
          if (size >= EXCERPT_BYTES) res.destroy();
        });
        const done = () => {
          const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
          resolve({ status: res.statusCode ?? 0, excerpt: text.length > 0 ? text : null });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
