import { NextRequest } from 'next/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { GET as searchRoute } from '../app/api/v1/search/route';
import { GET as exportRoute } from '../app/api/v1/search/export/route';
import { searchResultSchema, sessionListItemSchema } from '../lib/schemas/read-api';
import { createApiKey } from '../lib/server/data/api-keys';
import { connectDatabase, disconnectDatabase } from '../lib/server/db/client';
import { parse } from './helpers/route-call';

/**
 * The search's export: a few thousand seeded sessions come out as CSV and NDJSON, exactly the sessions the search
 * pages through (same filters), with CSV quoting and the formula-injection guard; streamed in batches.
 */
const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
const room = `export_${stamp}`;
const odd = `export_odd_${stamp}`;
const ROWS = 3000;
const BASE = 'http://callscope.test';
let sql: pg.Client;
let key: string;

beforeAll(async () => {
  connectDatabase(inject('databaseUrl'));
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  key = (await createApiKey({ name: `export support ${stamp}`, role: 'support' })).key;
  // Every other session is Firefox; times one minute apart (client clock).
  await sql.query(
    `INSERT INTO "rtcstats-server" (dump_id, status, rtcstats_user, rtcstats_session, rtcstats_conference,
       browser_name, os_name, first_event_at, last_event_at, session_start)
     SELECT gen_random_uuid(), 'ended', 'user_' || (i % 7) || '_' || $2, 's_' || i || '_' || $2, $1,
       CASE WHEN i % 2 = 0 THEN 'Firefox' ELSE 'Chrome' END, 'Linux',
       to_timestamp(1700000000 + i * 60), to_timestamp(1700000000 + i * 60 + 30), now()
     FROM generate_series(1, $3) AS i`,
    [room, stamp, ROWS],
  );
  // Ids are the client's own strings: quotes, commas, line breaks and formula-looking text must survive a CSV.
  await sql.query(
    `INSERT INTO "rtcstats-server" (dump_id, status, rtcstats_user, rtcstats_session, rtcstats_conference, browser_name)
     VALUES (gen_random_uuid(), 'ended', $2, $3, $1, '+Chrome'), (gen_random_uuid(), 'ended', '@home', '-1', $1, 'Safari'),
       (gen_random_uuid(), 'ended', 'someone', 'longer_name', $1 || '_2', 'Chrome')`,
    [odd, `=HYPERLINK("http://evil.test","x")`, `a,"b"\nc`],
  );
  // `odd` is a known conference (a directory row): the search box reads it as that conference, not as a prefix.
  await sql.query(
    `INSERT INTO conference (id, name, first_seen, last_seen, session_count, user_count)
     VALUES (gen_random_uuid(), $1, now(), now(), 2, 2)`,
    [odd],
  );
}, 60_000);

afterAll(async () => {
  await sql?.query('DELETE FROM "rtcstats-server" WHERE rtcstats_conference IN ($1, $2, $3)', [room, odd, `${odd}_2`]);
  await sql?.query('DELETE FROM conference WHERE name = $1', [odd]);
  await sql?.end();
  await disconnectDatabase();
});

async function get(handler: typeof exportRoute, path: string): Promise<Response> {
  return handler(new NextRequest(new URL(path, BASE), { headers: { authorization: `Bearer ${key}` } }), {
    params: Promise.resolve({}),
  });
}

/** Every session id the search answers for `query`, following its cursor as the "Show more" button does. */
async function searchIds(query: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams({ ...query, limit: '200', ...(cursor ? { cursor } : {}) });
    const res = await get(searchRoute, `/api/v1/search?${qs}`);
    expect(res.status).toBe(200);
    const page = parse(searchResultSchema, await res.json(), 'search page');
    ids.push(...page.sessions.map((s) => s.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

async function exportText(query: Record<string, string>): Promise<{ res: Response; text: string }> {
  const res = await get(exportRoute, `/api/v1/search/export?${new URLSearchParams(query)}`);
  expect(res.status).toBe(200);
  return { res, text: await res.text() };
}

/** A small RFC 4180 reader (quoted fields with commas, doubled quotes and line breaks). */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field, 'the file ends with a line break').toBe('');
  return rows;
}

describe('search export', () => {
  test('CSV: a header row, then exactly the sessions the search pages through', async () => {
    const [ids, { res, text }] = await Promise.all([searchIds({ q: room }), exportText({ q: room, format: 'csv' })]);
    expect(ids).toHaveLength(ROWS);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="callscope-sessions-\d{8}-\d{4}\.csv"$/,
    );
    const [header, ...rows] = readCsv(text);
    expect(header.slice(0, 5)).toEqual(['id', 'session', 'user', 'conference', 'start']);
    expect(rows.map((r) => r[0])).toEqual(ids);
    expect(rows.every((r) => r.length === header.length && r[3] === room)).toBe(true);
    // Newest first, times as ISO UTC.
    expect(rows[0][header.indexOf('start')]).toBe(new Date((1700000000 + ROWS * 60) * 1000).toISOString());
  });

  test('NDJSON: one SessionListItem a line, the same filters apply', async () => {
    const filters = { q: room, browser: 'firefox' };
    const [ids, { res, text }] = await Promise.all([searchIds(filters), exportText({ ...filters, format: 'ndjson' })]);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => parse(sessionListItemSchema, JSON.parse(l), 'export line'));
    expect(ids).toHaveLength(ROWS / 2);
    expect(lines.map((s) => s.id)).toEqual(ids);
    expect(lines.every((s) => s.browser === 'Firefox')).toBe(true);

    const range = {
      q: room,
      from: String((1700000000 + 1001 * 60) * 1000),
      to: String((1700000000 + 1100 * 60) * 1000),
    };
    const ranged = (await exportText({ ...range, format: 'ndjson' })).text.trimEnd().split('\n');
    expect(ranged).toHaveLength(100);
    expect(ranged).toHaveLength((await searchIds(range)).length);
  });

  test('an exact conference id is read as the search reads it: that conference, not a prefix', async () => {
    const [ids, { text }] = await Promise.all([searchIds({ q: odd }), exportText({ q: odd, format: 'ndjson' })]);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => parse(sessionListItemSchema, JSON.parse(l), 'export line'));
    expect(ids).toHaveLength(2);
    expect(lines.map((s) => s.id)).toEqual(ids);
    expect(new Set(lines.map((s) => s.conference))).toEqual(new Set([odd]));
    // As a prefix it would also match the `_2` conference.
    expect((await exportText({ q: odd.slice(0, -1), format: 'ndjson' })).text.trimEnd().split('\n')).toHaveLength(3);
  });

  test('CSV quoting and the formula guard', async () => {
    const { text } = await exportText({ q: odd, format: 'csv' });
    expect(text).toContain(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
    expect(text).toContain(`"a,""b""\nc"`);
    const [header, ...rows] = readCsv(text);
    const col = (name: string) => header.indexOf(name);
    const evil = rows.find((r) => r[col('session')] === `a,"b"\nc`);
    expect(evil?.[col('user')]).toBe(`'=HYPERLINK("http://evil.test","x")`);
    expect(evil?.[col('browser')]).toBe(`'+Chrome`);
    const other = rows.find((r) => r[col('user')] === `'@home`);
    expect(other?.[col('session')]).toBe(`'-1`);
  });

  test('streamed: the body arrives a batch at a time, and a reader that stops early stops the reads', async () => {
    // Read to the end: never more than one batch (500 sessions) in a chunk, so the server held one at a time.
    const res = await get(exportRoute, `/api/v1/search/export?${new URLSearchParams({ q: room, format: 'ndjson' })}`);
    const sizes: number[] = [];
    const decoder = new TextDecoder();
    const all = (res.body as ReadableStream<Uint8Array>).getReader();
    for (let chunk = await all.read(); !chunk.done; chunk = await all.read()) {
      sizes.push(decoder.decode(chunk.value).trimEnd().split('\n').length);
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(ROWS);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    expect(sizes.length).toBe(Math.ceil(ROWS / 500));

    const early = await get(exportRoute, `/api/v1/search/export?${new URLSearchParams({ q: room, format: 'csv' })}`);
    const reader = (early.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toMatch(/^id,session,/);
    await reader.cancel();
  });

  test('a bad format is 422', async () => {
    const res = await get(exportRoute, '/api/v1/search/export?format=xlsx');
    expect(res.status).toBe(422);
  });
});
