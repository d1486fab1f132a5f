/**
 * Sessions opening (and closing) many at once share their database writes (issue 13): one INSERT for the rows,
 * one transaction for the session-monitoring events. Through the real server: forty clients of twenty two-party
 * conferences open in the same instant; each gets its own row, id, dump and frames in order, and each conference
 * its events once each in the order one decision after another would give. Below the server: one bad row in a
 * batch fails only its own session; a decision that throws fails only itself; a batch of two conferences'
 * decisions stores exactly what the same decisions one by one store.
 */

import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { appendEventsBatch, type NewMonitoringEvent } from '../lib/server/data/monitoring';
import type { NewSession } from '../lib/server/data/sessions';
import { insertLiveSession } from '../lib/server/ingest/session-rows';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

let sql: pg.Client;
let server: TestServer;
const STAMP = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

beforeAll(async () => {
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
});

async function events(conference: string) {
  const { rows } = await sql.query(
    'SELECT seq::text, event, connection_id, dedupe_key FROM monitoring_event WHERE conference = $1 ORDER BY monitoring_event.seq',
    [conference],
  );
  return rows as { seq: string; event: string; connection_id: string | null; dedupe_key: string }[];
}

describe('many sessions opening at once', () => {
  test('forty clients in the same instant: own rows, ids, dumps in order, and each conference its events once, in order', async () => {
    const clients = Array.from({ length: 40 }, (_, i) => ({
      conference: `batch_${STAMP}_${Math.floor(i / 2)}`,
      user: `user_${i}`,
      session: `sess_${STAMP}_${i}`,
    }));
    const tokens = await Promise.all(clients.map((c) => generateAuthToken(c, FIXTURE_SECRET, 600)));
    // Every socket is created before any opens; each sends its frames at once (held until its session opened).
    const sockets = tokens.map((token) => openIngestSocket(server.wsUrl, { token }));
    const frames = (i: number) => Array.from({ length: 5 }, (_, n) => JSON.stringify(['custom', null, { i, n }, 10]));
    await Promise.all(
      sockets.map(async (ws, i) => {
        await waitOpen(ws);
        for (const f of frames(i)) ws.send(f);
      }),
    );
    await Promise.all(
      sockets.map((ws) => {
        const closed = waitClose(ws);
        ws.close(1000);
        return closed;
      }),
    );

    const sessions = clients.map((c) => c.session);
    await eventually(async () => {
      const { rows } = await sql.query(
        `SELECT count(*)::int AS n FROM "rtcstats-server" WHERE rtcstats_session = ANY($1) AND blob_url IS NOT NULL`,
        [sessions],
      );
      return rows[0].n === clients.length;
    }, 20_000);
    const { rows } = await sql.query(
      `SELECT id::text, dump_id, rtcstats_session, rtcstats_user, rtcstats_conference, message_count, blob_url
         FROM "rtcstats-server" WHERE rtcstats_session = ANY($1)`,
      [sessions],
    );
    expect(rows).toHaveLength(clients.length);
    expect(new Set(rows.map((r) => r.id)).size).toBe(clients.length);
    expect(new Set(rows.map((r) => r.dump_id)).size).toBe(clients.length);
    for (const [i, c] of clients.entries()) {
      const row = rows.find((r) => r.rtcstats_session === c.session);
      expect(row, c.session).toMatchObject({
        rtcstats_user: c.user,
        rtcstats_conference: c.conference,
        message_count: 5,
      });
      const dump = gunzipSync(await readFile(new URL(row.blob_url)))
        .toString('utf8')
        .split('\n');
      expect(dump.slice(2, -1)).toEqual(frames(i));
    }

    for (let k = 0; k < clients.length / 2; k++) {
      const conference = `batch_${STAMP}_${k}`;
      const pair = [clients[2 * k].session, clients[2 * k + 1].session];
      await eventually(async () => (await events(conference)).some((e) => e.event === 'sessionDestroyed'), 20_000);
      const got = await events(conference);
      const names = got.map((e) => e.event);
      expect(names[0], conference).toBe('sessionCreated');
      expect(names.at(-1), conference).toBe('sessionDestroyed');
      expect(names.filter((n) => n === 'sessionCreated')).toHaveLength(1);
      expect(new Set(got.map((e) => e.dedupe_key)).size).toBe(got.length);
      for (const s of pair) {
        const mine = got.filter((e) => e.connection_id === s).map((e) => e.event);
        expect(
          mine.filter((n) => n === 'connectionCreated'),
          s,
        ).toHaveLength(1);
        expect(
          mine.filter((n) => n === 'connectionDestroyed'),
          s,
        ).toHaveLength(1);
        expect(mine.indexOf('connectionCreated')).toBeLessThan(mine.indexOf('connectionDestroyed'));
      }
      // The room saw two participants, then none: both created before the last destroyed.
      expect(names.slice(1, 3).sort()).toEqual(['connectionCreated', 'connectionCreated']);
    }
    const { rows: rooms } = await sql.query(
      'SELECT participants, open_since, generation FROM monitoring_room WHERE conference LIKE $1',
      [`batch_${STAMP}_%`],
    );
    expect(rooms).toHaveLength(clients.length / 2);
    for (const r of rooms) expect(r).toEqual({ participants: 0, open_since: null, generation: 1 });
  }, 60_000);

  test('a bad row in a batch fails only its own session; the others get their rows', async () => {
    const row = (i: number, dumpId = randomUUID()): NewSession => ({
      dumpId,
      source: 'websocket',
      format: 'rtcstats',
      identity: { user: `bad_batch_${STAMP}_${i}`, session: `bad_batch_${STAMP}_${i}` },
      sessionStart: new Date(),
      userIsDevice: false,
      historical: false,
    });
    // Added in one turn: one batch, whose statement fails on the row that is not a UUID.
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        insertLiveSession(i === 5 ? row(i, 'not-a-uuid' as ReturnType<typeof randomUUID>) : row(i)),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(
      Array.from({ length: 12 }, (_, i) => (i === 5 ? 'rejected' : 'fulfilled')),
    );
    const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [String(r.value)] : []));
    expect(new Set(ids).size).toBe(11);
    const { rows } = await sql.query(
      'SELECT id::text, rtcstats_session FROM "rtcstats-server" WHERE id = ANY($1::bigint[])',
      [ids],
    );
    expect(rows.map((r) => r.rtcstats_session).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => i)
        .filter((i) => i !== 5)
        .map((i) => `bad_batch_${STAMP}_${i}`)
        .sort(),
    );
  });
});

describe('monitoring decisions in one batch', () => {
  const event = (conference: string, name: NewMonitoringEvent['event'], key: string): NewMonitoringEvent => ({
    event: name,
    source: 'vonage',
    occurredAt: new Date(),
    payload: {
      sessionId: conference,
      projectId: 'p',
      event: name,
      timestamp: Date.now(),
      callscope: { source: 'vonage', eventId: '' },
    },
    dedupeKey: `${STAMP}:${key}`,
  });

  test('as one decision after another: rooms and reads see the earlier ones, seq in decision order, a throw fails only itself', async () => {
    const a = `batch_a_${STAMP}`;
    const b = `batch_b_${STAMP}`;
    const join = (conference: string, key: string) => ({
      conference,
      keys: [`${STAMP}:${key}`],
      decide: async (room: { participants: number }, read: { existing(keys: string[]): Promise<Set<string>> }) => {
        if ((await read.existing([`${STAMP}:${key}`])).size > 0) return { events: [] };
        return {
          events: [event(conference, 'connectionCreated', key)],
          room: { participants: room.participants + 1 },
        };
      },
    });
    const outcomes = await appendEventsBatch([
      join(a, 'a1'),
      join(b, 'b1'),
      {
        conference: a,
        decide: () => {
          throw new Error('this decision fails');
        },
      },
      join(a, 'a2'),
      // The same event again in the same batch: seen as stored by the earlier decision, nothing twice.
      join(a, 'a1'),
      join(b, 'b2'),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true, true, true]);
    const rooms = outcomes.map((o) => (o.ok ? o.value.room.participants : null));
    expect(rooms).toEqual([1, 1, null, 2, 2, 2]);
    const stored = outcomes.map((o) => (o.ok ? o.value.stored.map((e) => e.dedupeKey) : null));
    expect(stored).toEqual([[`${STAMP}:a1`], [`${STAMP}:b1`], null, [`${STAMP}:a2`], [], [`${STAMP}:b2`]]);
    expect((await events(a)).map((e) => e.dedupe_key)).toEqual([`${STAMP}:a1`, `${STAMP}:a2`]);
    expect((await events(b)).map((e) => e.dedupe_key)).toEqual([`${STAMP}:b1`, `${STAMP}:b2`]);
    const { rows } = await sql.query(
      'SELECT conference, participants FROM monitoring_room WHERE conference = ANY($1) ORDER BY conference',
      [[a, b]],
    );
    expect(rows).toEqual([
      { conference: a, participants: 2 },
      { conference: b, participants: 2 },
    ]);
    // A second batch sees the first one's events (the dedupe keys, stored).
    const again = await appendEventsBatch([join(a, 'a1'), join(a, 'a3')]);
    expect(again.map((o) => (o.ok ? o.value.stored.length : -1))).toEqual([0, 1]);
  });
});
