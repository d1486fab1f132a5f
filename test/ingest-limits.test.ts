import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import WebSocket from 'ws';
import { addressKey, KeyedRate, TokenBucket } from '../lib/server/ingest/ingest-limits';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * Issue 11: what one ingest client may do, against the real server with small limits. Each test connects from
 * its own client address (X-Forwarded-For, one trusted proxy) so the per-address limits of one do not touch another.
 */
const LIMITS = {
  CALLSCOPE_TRUST_PROXY: '1',
  CALLSCOPE_INGEST_MAX_FRAME_BYTES: '1024',
  CALLSCOPE_INGEST_FRAMES_PER_SECOND: '50',
  CALLSCOPE_INGEST_FRAME_BURST: '100',
  CALLSCOPE_INGEST_BYTES_PER_SECOND: '20000',
  CALLSCOPE_INGEST_BYTE_BURST: '40000',
  CALLSCOPE_INGEST_MAX_CONNECTIONS_PER_TOKEN: '3',
  CALLSCOPE_INGEST_MAX_CONNECTIONS_PER_ADDRESS: '5',
  CALLSCOPE_INGEST_CONNECTIONS_PER_SECOND_PER_ADDRESS: '0.1',
  CALLSCOPE_INGEST_CONNECTION_BURST_PER_ADDRESS: '10',
};
const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

let server: TestServer;
let sql: pg.Client;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  // The server runs in this process: an exception its ingest does not handle lands here.
  process.on('uncaughtException', onUncaught);
  server = await startTestServer({ env: LIMITS });
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await sql?.end();
  await server?.close();
});

let addressCounter = 0;
/** A client address of its own for each caller (documentation range, TEST-NET-3). */
function freshAddress(): string {
  addressCounter++;
  return `203.0.113.${addressCounter}`;
}

function unique(prefix: string) {
  return `${prefix}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
}

function connect(opts: { token: string; address?: string; protocol?: string; path?: string }): WebSocket {
  const target = new URL(opts.path ?? '/standup', server.wsUrl);
  target.searchParams.set('rtcstats-token', opts.token);
  return new WebSocket(target, opts.protocol ?? 'rtcstats#5.0', {
    headers: { 'User-Agent': BROWSER_UA, 'X-Forwarded-For': opts.address ?? freshAddress() },
  });
}

/** How a connection attempt ended up: 0 when it is open and stays open, else the close code it got. */
async function outcome(ws: WebSocket): Promise<number> {
  const closed = waitClose(ws);
  const first = await Promise.race([
    closed.then((c) => c.code),
    waitOpen(ws).then(() => new Promise<number>((r) => setTimeout(() => r(0), 150))),
  ]);
  return first === 0 && ws.readyState !== WebSocket.OPEN ? (await closed).code : first;
}

async function tokenFor(session: string) {
  return generateAuthToken({ user: 'u_limits', session, conference: 'c_limits' }, FIXTURE_SECRET, 600);
}

async function rows(session: string) {
  return (await sql.query('SELECT * FROM "rtcstats-server" WHERE rtcstats_session = $1', [session])).rows;
}

async function endedRow(session: string) {
  return eventually(async () => (await rows(session)).find((r) => r.session_end));
}

async function storedFrames(row: { blob_url: string | null }): Promise<string[]> {
  if (!row.blob_url) return [];
  const lines = gunzipSync(await readFile(new URL(row.blob_url)))
    .toString('utf8')
    .split('\n');
  return lines.slice(2, -1);
}

async function dumpFiles(): Promise<number> {
  const work = await readdir(path.join(server.dataDir, 'dumps', 'work'));
  const done = (await readdir(path.join(server.dataDir, 'dumps'))).filter((f) => f.endsWith('.gz'));
  return work.length + done.length;
}

const frame = (i: number, pad = 0) => JSON.stringify([39, null, { i, pad: 'x'.repeat(pad) }, i === 0 ? Date.now() : 1]);

describe('frame size', () => {
  test('an oversized frame: the client gets 1009, the row stores 1009, nothing is uncaught', async () => {
    const session = unique('sess_big');
    const ws = connect({ token: await tokenFor(session) });
    await waitOpen(ws);
    ws.send(frame(0));
    await eventually(async () => (await rows(session)).length === 1);
    const closed = waitClose(ws);
    ws.send(frame(1, 2048));
    expect((await closed).code).toBe(1009);
    const row = await endedRow(session);
    expect(row.close_code).toBe(1009);
    expect(row.close_reason).toMatch(/larger than 1024 bytes/);
    expect(row.message_count).toBe(1);
    expect(uncaught).toEqual([]);
  });

  test('ten oversized frames on ten connections: no uncaught exception, every row stores 1009', async () => {
    const sessions = Array.from({ length: 10 }, () => unique('sess_big_many'));
    await Promise.all(
      sessions.map(async (session) => {
        const ws = connect({ token: await tokenFor(session) });
        await waitOpen(ws);
        ws.send(frame(0));
        await eventually(async () => (await rows(session)).length === 1);
        const closed = waitClose(ws);
        // ws refuses the frame from its declared length, before buffering it.
        ws.send(Buffer.alloc(64 * 1024, 0x20), { binary: false });
        expect((await closed).code).toBe(1009);
      }),
    );
    for (const session of sessions) expect((await endedRow(session)).close_code).toBe(1009);
    expect(uncaught).toEqual([]);
  });
});

describe('frames must be JSON arrays', () => {
  const invalid: [string, string][] = [
    ['bracketed but not JSON', '[this is not json}]'],
    ['not an array at all', 'hello'],
    ['no trailing timestamp', '[39,null,{},"x"]'],
    ['a single element', '[5]'],
    ['a raw line break inside', '[39,null,\n{},5]'],
  ];
  for (const [name, text] of invalid) {
    test(`${name}: closed 1007 with a reason, not stored`, async () => {
      const session = unique('sess_invalid');
      const ws = connect({ token: await tokenFor(session) });
      await waitOpen(ws);
      const good = frame(0);
      ws.send(good);
      const closed = waitClose(ws);
      ws.send(text);
      const { code, reason } = await closed;
      expect(code).toBe(1007);
      expect(reason).toMatch(/JSON array|timestamp/);
      const row = await eventually(async () => (await rows(session)).find((r) => r.blob_url));
      expect(row.close_code).toBe(1007);
      expect(row.message_count).toBe(1);
      expect(await storedFrames(row)).toEqual([good]);
    });
  }

  test('valid frames are stored as the bytes received', async () => {
    const session = unique('sess_verbatim');
    const ws = connect({ token: await tokenFor(session) });
    await waitOpen(ws);
    const frames = [`[39, null, {"a": "é ]"}, ${Date.now()}]`, '["g","PC_0",{},"connected-0", 1.5]', '[1,2]'];
    for (const f of frames) ws.send(f);
    const closed = waitClose(ws);
    ws.close(1000);
    await closed;
    const row = await eventually(async () => (await rows(session)).find((r) => r.blob_url));
    expect(row.close_code).toBe(1000);
    expect(await storedFrames(row)).toEqual(frames);
  });

  test('Jitsi: a message that is not an object, or a stats entry that is not an array, closes 1007', async () => {
    const cases = ['null', '5', JSON.stringify({ type: 'stats-entry', data: 'not an array' })];
    cases.push(JSON.stringify({ type: 'x'.repeat(500) }));
    for (const text of cases) {
      const token = await generateAuthToken({ user: unique('u_jitsi') }, FIXTURE_SECRET, 600);
      const ws = connect({ token, protocol: '3.1_STANDARD', path: `/meet?statsSessionId=${unique('jitsi_bad')}` });
      const told = new Promise<void>((resolve) => ws.once('message', () => resolve()));
      await waitOpen(ws);
      await told;
      const closed = waitClose(ws);
      ws.send(text);
      const { code, reason } = await closed;
      expect(code).toBe(1007);
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    }
    expect(uncaught).toEqual([]);
  });
});

describe('connections per token', () => {
  test('with a limit of 3 the 4th socket with the same token is closed 1008 and leaves no row', async () => {
    const session = unique('sess_token');
    const token = await tokenFor(session);
    const admitted = Array.from({ length: 3 }, () => connect({ token }));
    await Promise.all(admitted.map(waitOpen));
    for (const ws of admitted) ws.send(frame(0));
    await eventually(async () => (await rows(session)).length === 3);
    const files = await dumpFiles();

    const fourth = connect({ token });
    fourth.on('open', () => fourth.send(frame(0)));
    const refused = await waitClose(fourth);
    expect(refused.code).toBe(1008);
    expect(refused.reason).toMatch(/too many open connections for this token/);
    await new Promise((r) => setTimeout(r, 200));
    expect(await rows(session)).toHaveLength(3);
    expect(await dumpFiles()).toBe(files);

    // A closed connection gives its place back.
    const first = admitted[0];
    const firstClosed = waitClose(first);
    first.close(1000);
    await firstClosed;
    await eventually(async () => (await rows(session)).filter((r) => r.session_end).length === 1);
    const again = connect({ token });
    await waitOpen(again);
    again.send(frame(0));
    await eventually(async () => (await rows(session)).length === 4);
    for (const ws of [...admitted.slice(1), again]) ws.close(1000);
    await eventually(async () => (await rows(session)).every((r) => r.session_end));
  });
});

describe('connections per client address', () => {
  test('open connections: the 6th from one address is closed 1008 and stores nothing; other addresses connect', async () => {
    const address = freshAddress();
    const sessions = Array.from({ length: 5 }, () => unique('sess_addr'));
    const open: WebSocket[] = [];
    for (const session of sessions) {
      const ws = connect({ token: await tokenFor(session), address });
      await waitOpen(ws);
      ws.send(frame(0));
      open.push(ws);
    }
    for (const session of sessions) await eventually(async () => (await rows(session)).length === 1);
    const files = await dumpFiles();
    const session = unique('sess_addr_refused');
    const sixth = connect({ token: await tokenFor(session), address });
    sixth.on('open', () => sixth.send(frame(0)));
    const refused = await waitClose(sixth);
    expect(refused.code).toBe(1008);
    expect(refused.reason).toMatch(/too many open connections from this address/);

    const other = connect({ token: await tokenFor(unique('sess_addr_other')), address: freshAddress() });
    expect(await outcome(other)).toBe(0);
    other.close(1000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await rows(session)).toHaveLength(0);
    expect(await dumpFiles()).toBe(files);
    for (const ws of open) ws.close(1000);
  });

  test('a connection storm from one address: closed 1013 once its burst is spent', async () => {
    const address = freshAddress();
    const codes: number[] = [];
    const open: WebSocket[] = [];
    // Burst 10, refill 0.1/s: 5 admitted (the open cap), 5 refused 1008 (they count toward the rate), then 1013.
    for (let i = 0; i < 11; i++) {
      const ws = connect({ token: await tokenFor(unique('sess_storm')), address });
      const code = await outcome(ws);
      if (code === 0) open.push(ws);
      codes.push(code);
    }
    expect(codes).toEqual([0, 0, 0, 0, 0, 1008, 1008, 1008, 1008, 1008, 1013]);
    const elsewhere = connect({ token: await tokenFor(unique('sess_storm')) });
    expect(await outcome(elsewhere)).toBe(0);
    for (const ws of [...open, elsewhere]) ws.close(1000);
  });

  test('IPv6 addresses of one /64 share a limit', async () => {
    const net = 0x100 + addressCounter++;
    const prefix = `2001:db8:${net.toString(16)}:7`;
    const open: WebSocket[] = [];
    for (let i = 1; i <= 5; i++) {
      const ws = connect({ token: await tokenFor(unique('sess_v6')), address: `${prefix}::${i}` });
      await waitOpen(ws);
      open.push(ws);
    }
    const sixth = connect({ token: await tokenFor(unique('sess_v6')), address: `${prefix}:0:0:0:99` });
    expect(await outcome(sixth)).toBe(1008);
    const elsewhere = connect({
      token: await tokenFor(unique('sess_v6')),
      address: `2001:db8:${net.toString(16)}:8::1`,
    });
    expect(await outcome(elsewhere)).toBe(0);
    for (const ws of [...open, elsewhere]) ws.close(1000);
  });
});

describe('frame and byte rates per connection', () => {
  test('a frame flood is closed 1013 and its row ends with 1013; a well-behaved client in parallel keeps every frame', async () => {
    const flooder = unique('sess_flood');
    const polite = unique('sess_polite');
    const flood = connect({ token: await tokenFor(flooder) });
    const calm = connect({ token: await tokenFor(polite) });
    await Promise.all([waitOpen(flood), waitOpen(calm)]);

    const calmFrames = Array.from({ length: 10 }, (_, i) => frame(i));
    const calmDone = (async () => {
      for (const f of calmFrames) {
        calm.send(f);
        await new Promise((r) => setTimeout(r, 100));
      }
      const closed = waitClose(calm);
      calm.close(1000);
      return closed;
    })();

    const floodClosed = waitClose(flood);
    for (let i = 0; i < 500 && flood.readyState === WebSocket.OPEN; i++) flood.send(frame(i));
    const { code, reason } = await floodClosed;
    expect(code).toBe(1013);
    expect(reason).toMatch(/rate limit exceeded: more than 50 frames\/s/);
    const floodRow = await endedRow(flooder);
    expect(floodRow.close_code).toBe(1013);
    expect(floodRow.message_count).toBeGreaterThanOrEqual(100);
    expect(floodRow.message_count).toBeLessThan(500);

    expect((await calmDone).code).toBe(1000);
    const calmRow = await eventually(async () => (await rows(polite)).find((r) => r.blob_url));
    expect(calmRow.close_code).toBe(1000);
    expect(await storedFrames(calmRow)).toEqual(calmFrames);
  });

  test('a byte flood (frames under the size limit) is closed 1013', async () => {
    const session = unique('sess_bytes');
    const ws = connect({ token: await tokenFor(session) });
    await waitOpen(ws);
    const closed = waitClose(ws);
    // 1000-byte frames: 40 fill the 40000-byte burst, far below the 100-frame burst.
    for (let i = 0; i < 80 && ws.readyState === WebSocket.OPEN; i++) ws.send(frame(i, 950));
    const { code, reason } = await closed;
    expect(code).toBe(1013);
    expect(reason).toMatch(/bytes\/s/);
    const row = await endedRow(session);
    expect(row.close_code).toBe(1013);
    expect(row.message_count).toBeLessThan(45);
  });
});

describe('limiter units', () => {
  test('token bucket: burst, refill, rate 0 is unlimited', () => {
    const b = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(b.take(1, 0)).toBe(true);
    expect(b.take(1, 0)).toBe(false);
    expect(b.take(1, 100)).toBe(true);
    expect(b.take(1, 100)).toBe(false);
    expect(b.isFull(10_000)).toBe(true);
    const off = new TokenBucket(0, 1, 0);
    for (let i = 0; i < 100; i++) expect(off.take(1000, 0)).toBe(true);
  });

  test('keyed rate forgets refilled keys', () => {
    const r = new KeyedRate(1, 1);
    expect(r.take('a', 0)).toBe(true);
    expect(r.take('a', 0)).toBe(false);
    expect(r.take('b', 0)).toBe(true);
    expect(r.take('a', 20_000)).toBe(true);
  });

  test('address keys: IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('not-an-address')).toBe('not-an-address');
  });
});

test('no uncaught exception from the ingest during this file', () => {
  expect(uncaught).toEqual([]);
});
