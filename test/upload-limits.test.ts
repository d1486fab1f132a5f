import { createGzip } from 'node:zlib';
import { NextRequest } from 'next/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { GET as healthRoute } from '../app/api/health/route';
import { POST as framesRoute } from '../app/api/v1/frames/route';
import { POST as uploadRoute } from '../app/api/v1/upload/route';
import { generateAuthToken } from '../lib/shared/auth-token';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * Bodies sized to hurt: the 194 KB gzip of 200 million newlines (it aborted the process), a gzip bomb, a streamed
 * multipart upload past the limit. Each gets 413 while the server keeps answering and stores nothing; memory stays
 * within a small multiple of the limit, not of what the body would inflate or stream to. The route handlers run in
 * this process beside the server (as Next runs them), so /api/health answering is the event loop answering.
 */
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
let server: TestServer;
let sql: pg.Client;

beforeAll(async () => {
  server = await startTestServer({ env: { CALLSCOPE_MAX_UPLOAD_MB: '16' } });
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await server?.close();
});

type Handler = (req: NextRequest, segment: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** A POST through `handler` with a raw body (bytes, or a stream sent as it is produced). */
function post(handler: Handler, path: string, body: BodyInit, headers: Record<string, string>): Promise<Response> {
  const init = { method: 'POST', body, headers, duplex: 'half' };
  const req = new NextRequest(new URL(path, server.url), init as ConstructorParameters<typeof NextRequest>[1]);
  return handler(req, { params: Promise.resolve({}) });
}

const unique = (p: string) => `${p}_${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

/** gzip of `prefix` then `count` bytes of `fill`, made as a stream (never the inflated bytes in memory). */
async function gzipOf(prefix: string, fill: number, count: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  gzip.write(prefix);
  const block = Buffer.alloc(4 * 1024 * 1024, fill);
  for (let left = count; left > 0; left -= block.length) {
    if (!gzip.write(left >= block.length ? block : block.subarray(0, left))) await new Promise((r) => gzip.once('drain', r));
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}

async function rows(session: string): Promise<number> {
  const { rows } = await sql.query('SELECT count(*)::int AS n FROM "rtcstats-server" WHERE rtcstats_session = $1', [session]);
  return rows[0].n;
}

/** /api/health answers 200 all along `work`, polled every 20 ms. */
async function healthyThroughout<T>(work: Promise<T>): Promise<T> {
  let finished = false;
  const statuses: number[] = [];
  const poll = (async () => {
    while (!finished) {
      statuses.push((await healthRoute(new NextRequest(new URL('/api/health', server.url)), { params: Promise.resolve({}) })).status);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return await work;
  } finally {
    finished = true;
    await poll;
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
  }
}

describe('the newline bomb (200 million newlines, 194 KB gzipped)', () => {
  let bomb: Buffer;
  beforeAll(async () => {
    bomb = await gzipOf('RTCStatsDump\n', 10, 200_000_000);
    expect(bomb.length).toBeLessThan(256 * 1024);
  }, 60_000);

  test('POST /api/v1/upload: 413, nothing stored, the server keeps answering', async () => {
    const session = unique('bomb_upload');
    const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET);
    const res = await healthyThroughout(
      post(uploadRoute, '/api/v1/upload', new Uint8Array(bomb), { authorization: `Bearer ${token}` }),
    );
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
    expect(await rows(session)).toBe(0);
  });

  test('POST /api/v1/frames: 413, nothing stored, the server keeps answering', async () => {
    const session = unique('bomb_frames');
    const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET);
    const res = await healthyThroughout(
      post(framesRoute, '/api/v1/frames', new Uint8Array(bomb), { authorization: `Bearer ${token}`, 'user-agent': BROWSER_UA }),
    );
    expect(res.status).toBe(413);
    expect(await rows(session)).toBe(0);
  });
});

test('a gzip bomb (1 GiB of zeros) is refused with 413 once it inflates past the limit', async () => {
  const session = unique('gzip_bomb');
  const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET);
  const bomb = await gzipOf('RTCStatsDump\n{"fileFormat":3}\n', 32, 1024 * 1024 * 1024);
  const before = process.memoryUsage().rss;
  const res = await healthyThroughout(
    post(uploadRoute, '/api/v1/upload', new Uint8Array(bomb), { authorization: `Bearer ${token}` }),
  );
  expect(res.status).toBe(413);
  expect(await rows(session)).toBe(0);
  // The server runs in this process: inflating the bomb whole would have cost a gigabyte.
  expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
}, 120_000);

test('a streamed multipart upload past the limit gets 413 without being read whole', async () => {
  const session = unique('multipart_big');
  const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET);
  const boundary = 'callscope-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.rtcstats"\r\nContent-Type: application/octet-stream\r\n\r\nRTCStatsDump\n{"fileFormat":3}\n`,
  );
  const line = Buffer.from(`${JSON.stringify(['getUserMedia', null, { audio: true, pad: 'x'.repeat(1000) }, 1])}\n`);
  let sent = 0;
  const total = 64 * 1024 * 1024; // four times the 16 MB limit
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    pull(controller) {
      if (sent >= total) {
        controller.enqueue(Buffer.from(`\r\n--${boundary}--\r\n`));
        controller.close();
        return;
      }
      const chunk = Buffer.concat(Array.from({ length: 256 }, () => line));
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const before = process.memoryUsage().rss;
  const res = await post(uploadRoute, '/api/v1/upload', body, {
    authorization: `Bearer ${token}`,
    'content-type': `multipart/form-data; boundary=${boundary}`,
  });
  expect(res.status).toBe(413);
  // Refused while it streamed: far less than the whole body was ever taken in.
  expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  expect(await rows(session)).toBe(0);
}, 60_000);
