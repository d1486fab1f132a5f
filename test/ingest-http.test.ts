import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { generateAuthToken } from '../lib/shared/auth-token';
import { obfuscateDumpLine } from '../lib/stats/decode/address-obfuscation';
import { fixturePath, HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/** HTTP ingest through the real Next route handlers: whole dumps and NDJSON frames. */
let server: TestServer;
let sql: pg.Client;
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

beforeAll(async () => {
  server = await startTestServer({ withNext: true });
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
});

const unique = (p: string) => `${p}_${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

async function row(session: string) {
  return (await sql.query('SELECT * FROM "rtcstats-server" WHERE rtcstats_session = $1', [session])).rows;
}

/** A dump as stored: every line as sent but for its IP addresses (lib/stats/decode/address-obfuscation.ts). */
function asStored(bytes: Buffer): string {
  return bytes.toString('utf8').split('\n').map(obfuscateDumpLine).join('\n');
}

async function storedText(blobUrl: string) {
  return gunzipSync(await readFile(new URL(blobUrl))).toString('utf8');
}

describe.skipIf(!HAVE_FIXTURES)('POST /api/v1/upload', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);

  test('a raw RTCStatsDump becomes an ended session with its dump stored as sent, its client addresses obfuscated', async () => {
    const session = unique('sess_upload');
    const token = await generateAuthToken({ user: 'user_alice', session, conference: 'standup_upload' }, FIXTURE_SECRET);
    const bytes = await readFile(fixturePath('rtcstats-js', 'standup-alice.rtcstats'));
    const res = await fetch(`${server.url}/api/v1/upload?rtcstats-token=${token}`, { method: 'POST', body: bytes });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ format: 'rtcstats', user: 'user_alice', session, historical: true });
    const [r] = await row(session);
    expect(r.source).toBe('upload');
    expect(r.session_end).not.toBeNull();
    // session_start is when the call began (metadata startTime), not when it was uploaded.
    expect(r.session_start.getTime()).toBe(readRtcstatsFixture('standup-alice.rtcstats').metadata.startTime);
    expect(await storedText(r.blob_url)).toBe(asStored(bytes));
    // The recording carries the browser's host candidate address; what is stored does not.
    expect(bytes.toString('utf8')).toContain(' 192.0.2.2 ');
    expect(await storedText(r.blob_url)).not.toContain(' 192.0.2.2 ');
    const processed = await eventually(async () => (await row(session)).find((x) => x.features_processing_stop), 30_000);
    expect(processed.processing_error).toBeNull();
  });

  test('gzip and multipart bodies are accepted; the token may come as Authorization: Bearer', async () => {
    const session = unique('sess_upload_gz');
    const token = await generateAuthToken({ user: 'user_bob', session, conference: 'c' }, FIXTURE_SECRET);
    const bytes = await readFile(fixturePath('rtcstats-js', 'standup-bob.rtcstats'));
    const gz = await fetch(`${server.url}/api/v1/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
      body: gzipSync(bytes),
    });
    expect(gz.status).toBe(201);
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'bob.rtcstats');
    const session2 = unique('sess_upload_mp');
    const token2 = await generateAuthToken({ user: 'user_bob', session: session2, conference: 'c' }, FIXTURE_SECRET);
    const mp = await fetch(`${server.url}/api/v1/upload?rtcstats-token=${token2}`, { method: 'POST', body: form });
    expect(mp.status).toBe(201);
    expect(await storedText((await row(session2))[0].blob_url)).toBe(asStored(bytes));
  });

  test('a gzip webrtc-internals dump is imported', async () => {
    const session = unique('sess_internals');
    const token = await generateAuthToken({ user: 'user_alice', session, conference: 'standup2_internals' }, FIXTURE_SECRET);
    const res = await fetch(`${server.url}/api/v1/upload?rtcstats-token=${token}`, {
      method: 'POST',
      body: await readFile(fixturePath('webrtc-internals', 'standup2-chrome156.txt.gz')),
    });
    expect(res.status).toBe(201);
    expect((await res.json()).format).toBe('webrtc-internals');
    const processed = await eventually(async () => (await row(session)).find((x) => x.features_processing_stop), 30_000);
    expect(processed.processing_error).toBeNull();
    const tracks = await sql.query('SELECT count(*)::int AS n FROM track WHERE session_id = $1', [processed.id]);
    expect(tracks.rows[0].n).toBeGreaterThanOrEqual(4);
    // One JSON document: its client addresses are obfuscated whole, at upload.
    const stored = await storedText(processed.blob_url);
    expect(stored).not.toContain('192.0.2.2');
    expect(stored).toContain('192.0.2.x');
  });

  test('bad bodies get a JSON error and store nothing', async () => {
    const session = unique('sess_bad_upload');
    const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET);
    const cases: [BodyInit, number, RegExp][] = [
      ['', 400, /Empty/],
      ['hello world', 415, /Unrecognized dump/],
      ['RTCStatsDump\n{"fileFormat":2}\n', 422, /fileFormat 2/],
      ['RTCStatsDump\nnot json\n', 422, /metadata/],
      [Buffer.from([0x1f, 0x8b, 1, 2, 3]), 415, /gzip/],
    ];
    for (const [body, status, message] of cases) {
      const res = await fetch(`${server.url}/api/v1/upload?rtcstats-token=${token}`, { method: 'POST', body });
      expect(res.status).toBe(status);
      expect((await res.json()).error.message).toMatch(message);
    }
    expect(await row(session)).toHaveLength(0);
  });
});

describe('POST /api/v1/frames', () => {
  test('frames for one session id append to one dump; a close frame ends it', async () => {
    const session = unique('sess_frames');
    const token = await generateAuthToken({ user: 'u_frames', session, conference: 'c_frames' }, FIXTURE_SECRET);
    const post = (body: string) =>
      fetch(`${server.url}/api/v1/frames`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'user-agent': BROWSER_UA, 'content-type': 'application/x-ndjson' },
        body,
      });
    const now = Date.now();
    const first = await post(`[39,null,{"hardwareConcurrency":4},${now}]\n[60,null,{"audio":true},"60-0",10]\n`);
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ accepted: 2, ended: false });
    const second = await post(`[61,null,[],"60-0",5]\n`);
    expect((await second.json()).accepted).toBe(1);
    expect(await row(session)).toHaveLength(1);
    const bad = await post(`[61,null,[],"60-0",5]\nnot json\n`);
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.message).toMatch(/line 2/);
    const closing = await post(`["close",null,1000,0]\n`);
    expect(await closing.json()).toMatchObject({ accepted: 0, ended: true });
    const [r] = await row(session);
    expect(r.status).toBe('ended');
    expect(r.message_count).toBe(3);
    expect(r.first_event_at.getTime()).toBe(now);
    const lines = (await storedText(r.blob_url)).split('\n');
    expect(lines[0]).toBe('RTCStatsDump');
    expect(lines.slice(2, 5)).toEqual([
      `[39,null,{"hardwareConcurrency":4},${now}]`,
      '[60,null,{"audio":true},"60-0",10]',
      '[61,null,[],"60-0",5]',
    ]);
    expect(JSON.parse(lines[5])[0]).toBe('close');
  });

  test('a server-shaped User-Agent cannot create a session over HTTP', async () => {
    const session = unique('sess_frames_srv');
    const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET);
    const res = await fetch(`${server.url}/api/v1/frames`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'user-agent': 'node-fetch/1.0' },
      body: `[39,null,{},${Date.now()}]\n`,
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/server-shaped/);
    expect(await row(session)).toHaveLength(0);
  });
});

describe('GET /api/health', () => {
  test('reports version, database and storage', async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe('ok');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.database.ok).toBe(true);
    expect(body.storage).toMatchObject({ ok: true, kind: 'local' });
    expect(body.authRequired).toBe(true);
  });
});
