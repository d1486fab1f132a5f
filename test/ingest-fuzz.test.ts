import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { generateAuthToken } from '../lib/shared/auth-token';
import { waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * The WebSocket frame handler under hostile frames, through a real server: arbitrary text, near-JSON, JSON of every
 * shape, binary, and sizes around the limit. Every connection ends with one of the documented close codes, the
 * process sees no uncaught exception, and a well-formed client afterwards is still served.
 */
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const MAX_FRAME = 64 * 1024;
let server: TestServer;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  server = await startTestServer({ env: { CALLSCOPE_INGEST_MAX_FRAME_BYTES: String(MAX_FRAME), CALLSCOPE_INGEST_BYTE_BURST: String(MAX_FRAME * 4) } });
});
afterAll(async () => {
  await server?.close();
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

const hostileFrame = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.tuple(fc.string(), fc.jsonValue(), fc.jsonValue(), fc.oneof(fc.integer(), fc.string())).map((t) => JSON.stringify(t)),
  fc.constantFrom('[this is not json}]', '[', ']', '[]', '[1]', '[1,2]\n[3,4]', '["a",null,{},1e999]', '\u0000[1,1]'),
  fc.integer({ min: MAX_FRAME - 8, max: MAX_FRAME + 8 }).map((n) => `["x",null,"${'a'.repeat(Math.max(0, n - 14))}",1]`),
  fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
);

/** Sends the frames, then closes; resolves with the close code the client saw. */
async function session(frames: (string | Buffer)[], index: number): Promise<number> {
  const token = await generateAuthToken({ user: 'fuzz', session: `fuzz_${Date.now()}_${index}`, conference: 'fuzz' }, FIXTURE_SECRET, 600);
  const ws = new WebSocket(`${server.wsUrl}/fuzz?rtcstats-token=${token}`, 'rtcstats#5.0', { headers: { 'User-Agent': UA } });
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await waitOpen(ws);
  for (const frame of frames) if (ws.readyState === ws.OPEN) ws.send(frame);
  if (ws.readyState === ws.OPEN) ws.close(1000);
  return closed;
}

test('hostile frames: a documented close code for each connection, no uncaught exception, service goes on', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(hostileFrame, { minLength: 1, maxLength: 12 }), async (frames) => {
      const code = await session(frames, run++);
      // 1000 our close, 1003 binary, 1007 not a frame, 1009 too big, 1013 too fast (1005: no code echoed).
      expect([1000, 1003, 1005, 1007, 1009, 1013]).toContain(code);
    }),
    { numRuns: 40 },
  );
  expect(uncaught).toEqual([]);
  const ok = await session(['["getUserMedia",null,{"audio":true},1795322330446]'], run++);
  expect(ok).toBe(1000);
}, 120_000);
