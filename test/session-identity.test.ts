import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import WebSocket from 'ws';
import { deviceId } from '../lib/server/ingest/session-rules';
import { generateAuthToken } from '../lib/shared/auth-token';
import { fixturePath, HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * Who a session is and where it came from, the same on every ingest path: a Jitsi dump streamed over the WebSocket
 * and the same dump uploaded get one identity on the session row and in its analysis (one mapping, jitsi-identity.ts);
 * every path stores the client's (obfuscated) address and a device id that hashes it, with and without a trusted
 * proxy (server.ts resolves the address once).
 */
const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const ORIGIN = 'https://app.example.com';
let sql: pg.Client;

beforeAll(async () => {
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
});

const unique = (p: string) => `${p}_${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

async function processedRow(where: string, value: string) {
  return eventually(async () => {
    const { rows } = await sql.query(
      `SELECT s.*, a.summary AS analysis FROM "rtcstats-server" s LEFT JOIN session_analysis a ON a.session_id = s.id
        WHERE ${where} = $1 AND s.features_processing_stop IS NOT NULL`,
      [value],
    );
    return rows[0];
  }, 30_000);
}

/** Streams a Jitsi dump the way @jitsi/rtcstats does: wait for the sequence number, then identity and stats entries. */
async function streamJitsiDump(wsUrl: string, token: string, lines: string[], path: string): Promise<void> {
  const ws = new WebSocket(`${wsUrl}/t/${token}${path}`, '3.1_STANDARD', {
    headers: { 'User-Agent': BROWSER_UA, Origin: ORIGIN },
  });
  const told = new Promise<void>((resolve) => ws.once('message', () => resolve()));
  await waitOpen(ws);
  await told;
  for (const line of lines) {
    const entry = JSON.parse(line);
    if (entry[0] === 'connectionInfo') continue; // the server writes its own
    ws.send(
      JSON.stringify(entry[0] === 'identity' ? { type: 'identity', data: entry } : { type: 'stats-entry', data: line }),
    );
  }
  const closed = waitClose(ws);
  ws.close(1000);
  await closed;
}

describe.skipIf(!HAVE_FIXTURES)('one Jitsi identity on every path', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ withNext: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  // confID without confName: the room is the part after the host, on the row as in the analysis.
  test('streamed and uploaded, the same dump has the same user / conference / session on the row and in the analysis', async () => {
    const text = await readFile(fixturePath('jitsi', 'firefox-standard-stats-sfu.txt'), 'utf8');
    const lines = text.split('\n').filter(Boolean);
    // A token with no identity claims: all of it comes from the dump.
    const token = await generateAuthToken({}, FIXTURE_SECRET, 600);
    await streamJitsiDump(server.wsUrl, token, lines, '/closeoutfitsusefast');
    const res = await fetch(`${server.url}/api/v1/upload`, {
      method: 'POST',
      body: text,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(201);
    const uploaded = await res.json();

    const expected = { user: 'andrei-mac-firefox', conference: 'closeoutfitsusefast', session: '1605197691597' };
    expect(uploaded).toMatchObject(expected);
    for (const source of ['websocket', 'upload']) {
      const row = await eventually(async () => {
        const { rows } = await sql.query(
          `SELECT s.*, a.summary AS analysis FROM "rtcstats-server" s JOIN session_analysis a ON a.session_id = s.id
            WHERE s.source = $1 AND s.rtcstats_session = $2 AND s.format = 'jitsi' AND s.features_processing_stop IS NOT NULL`,
          [source, expected.session],
        );
        return rows[0];
      }, 30_000);
      expect({
        source,
        user: row.rtcstats_user,
        conference: row.rtcstats_conference,
        session: row.rtcstats_session,
      }).toEqual({ source, ...expected });
      expect({ source, ...row.analysis.identity }).toEqual({ source, ...expected });
      expect(row.user_is_device).toBe(false);
    }
  });

  test("the token's claims win over the dump's identity, on the row and in the analysis", async () => {
    const claims = {
      user: unique('claimed_user'),
      conference: unique('claimed_room'),
      session: unique('claimed_session'),
    };
    const token = await generateAuthToken(claims, FIXTURE_SECRET, 600);
    const text = await readFile(fixturePath('jitsi', 'chrome-relay.txt'), 'utf8');
    await streamJitsiDump(server.wsUrl, token, text.split('\n').filter(Boolean), '/absentbreakdownspicturesame');
    const row = await processedRow('s.rtcstats_session', claims.session);
    expect({ user: row.rtcstats_user, conference: row.rtcstats_conference }).toEqual({
      user: claims.user,
      conference: claims.conference,
    });
    expect(row.analysis.identity).toEqual(claims);
  });
});

async function salt(): Promise<string> {
  const day = new Date().toISOString().slice(0, 10);
  const { rows } = await sql.query('SELECT salt FROM device_salt WHERE day = $1', [day]);
  return rows[0].salt;
}

describe.skipIf(!HAVE_FIXTURES)('the client address on every path', () => {
  const alice = HAVE_FIXTURES ? readRtcstatsFixture('standup-alice.rtcstats') : undefined;

  for (const trusted of [false, true]) {
    describe(trusted ? 'behind one trusted proxy' : 'without a trusted proxy', () => {
      let server: TestServer;
      beforeAll(async () => {
        server = await startTestServer({ withNext: true, env: { CALLSCOPE_TRUST_PROXY: trusted ? '1' : 'false' } });
      });
      afterAll(async () => {
        await server?.close();
      });
      // What the proxy appended is the client; what the client prepended is ignored. Without a proxy, the socket.
      const headers = { 'x-forwarded-for': '198.51.100.9, 203.0.113.7' };
      const clientIp = trusted ? '203.0.113.7' : '127.0.0.1';
      const stored = trusted ? '203.0.113.x' : '127.0.0.1';

      async function expectAddress(session: string, userAgent: string, origin: string | undefined) {
        const { rows } = await sql.query(
          'SELECT remote_address, device_id FROM "rtcstats-server" WHERE rtcstats_session = $1',
          [session],
        );
        expect(rows).toHaveLength(1);
        expect(rows[0].remote_address).toBe(stored);
        expect(rows[0].device_id).toBe(deviceId({ userAgent, ip: clientIp, origin, salt: await salt() }));
      }

      test('WebSocket', async () => {
        const session = unique('addr_ws');
        const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET, 600);
        const q = `?rtcstats-token=${token}`;
        const ws = new WebSocket(`${server.wsUrl}/standup${q}`, 'rtcstats#5.0', {
          headers: { 'User-Agent': BROWSER_UA, Origin: ORIGIN, ...headers },
        });
        await waitOpen(ws);
        for (const frame of alice!.frames.slice(0, 5)) ws.send(frame);
        const closed = waitClose(ws);
        ws.close(1000);
        await closed;
        await eventually(
          async () =>
            (
              await sql.query(
                'SELECT 1 FROM "rtcstats-server" WHERE rtcstats_session = $1 AND session_end IS NOT NULL',
                [session],
              )
            ).rowCount,
        );
        await expectAddress(session, BROWSER_UA, ORIGIN);
      });

      test('upload', async () => {
        const session = unique('addr_upload');
        const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET, 600);
        const body = await readFile(fixturePath('rtcstats-js', 'standup-alice.rtcstats'));
        const res = await fetch(`${server.url}/api/v1/upload`, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${token}`, ...headers },
        });
        expect(res.status).toBe(201);
        // An upload's device is the browser the dump names, seen from the uploader's address.
        await expectAddress(session, alice!.metadata.userAgent, alice!.metadata.origin);
      });

      test('NDJSON frames', async () => {
        const session = unique('addr_frames');
        const token = await generateAuthToken({ user: 'u', session, conference: 'c' }, FIXTURE_SECRET, 600);
        const res = await fetch(`${server.url}/api/v1/frames`, {
          method: 'POST',
          body: `${alice!.frames.slice(0, 3).join('\n')}\n["close",null,1000,0]\n`,
          headers: { authorization: `Bearer ${token}`, 'user-agent': BROWSER_UA, origin: ORIGIN, ...headers },
        });
        expect(res.status).toBe(202);
        await expectAddress(session, BROWSER_UA, ORIGIN);
      });
    });
  }
});

test('a WebSocket client with no Origin still gets a device id from its address', async () => {
  const server = await startTestServer();
  try {
    const session = unique('addr_no_origin');
    const token = await generateAuthToken({ session }, FIXTURE_SECRET, 600);
    const ws = openIngestSocket(server.wsUrl, { token });
    await waitOpen(ws);
    ws.send('["getUserMedia",null,{"audio":true},1795322330446]');
    const closed = waitClose(ws);
    ws.close(1000);
    await closed;
    await eventually(
      async () =>
        (
          await sql.query('SELECT 1 FROM "rtcstats-server" WHERE rtcstats_session = $1 AND session_end IS NOT NULL', [
            session,
          ])
        ).rowCount,
    );
    const { rows } = await sql.query(
      'SELECT rtcstats_user, device_id, remote_address FROM "rtcstats-server" WHERE rtcstats_session = $1',
      [session],
    );
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
    expect(rows[0].device_id).toBe(deviceId({ userAgent: ua, ip: '127.0.0.1', salt: await salt() }));
    expect(rows[0].rtcstats_user).toBe(`device:${rows[0].device_id}`);
  } finally {
    await server.close();
  }
});
