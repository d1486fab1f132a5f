import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { GET as healthRoute } from '../app/api/health/route';
import { GET as conferenceRoute } from '../app/api/v1/conferences/[conference]/route';
import { GET as liveRoute } from '../app/api/v1/live/route';
import { GET as searchRoute } from '../app/api/v1/search/route';
import { GET as eventsRoute } from '../app/api/v1/sessions/[id]/events/route';
import { GET as sessionRoute } from '../app/api/v1/sessions/[id]/route';
import { GET as seriesRoute } from '../app/api/v1/sessions/[id]/tracks/[trackId]/series/route';
import { GET as sessionsRoute } from '../app/api/v1/sessions/route';
import { GET as userRoute } from '../app/api/v1/users/[user]/route';
import {
  conferenceDetailSchema,
  eventLogSchema,
  healthResponseSchema,
  liveResponseSchema,
  type SessionListItem,
  searchResultSchema,
  sessionDetailSchema,
  sessionListItemSchema,
  sessionPageSchema,
  trackDtoSchema,
  trackSeriesSchema,
  userDetailSchema,
} from '../lib/schemas/read-api';
import { createApiKey } from '../lib/server/data/api-keys';
import { generateAuthToken } from '../lib/shared/auth-token';
import { HAVE_FIXTURES, RTCSTATS_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, openIngestSocket, replayFixture, waitClose, waitOpen } from './helpers/replay';
import { openApiChecked } from './helpers/openapi-validate';
import { noParams, parse, type RouteCaller, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * Every read API answer, parsed with its schema from lib/schemas/read-api.ts (strict objects): a field the server
 * adds, drops or retypes without the schema (the one declaration the browser's types come from) fails here.
 * The route handlers are called in this process, as Next calls them, on the real server's database, ingest and
 * processing (the standup dumps replayed over the WebSocket), with a support-role API key.
 */
let server: TestServer;
let liveSocket: WebSocket | undefined;

const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
const conference = `standup_shapes_${stamp}`;
const liveConference = `live_shapes_${stamp}`;
const liveSession = `sess_live_shapes_${stamp}`;
const identities = RTCSTATS_FIXTURES.map((f) => ({
  file: f.file,
  user: `${f.user}_${stamp}`,
  session: `${f.session}_${stamp}`,
  conference,
}));

let api: RouteCaller;

beforeAll(async () => {
  server = await startTestServer();
  // Every answer is also validated against the OpenAPI document (GET /api/openapi.json).
  api = openApiChecked(routeCaller((await createApiKey({ name: `read-api-shapes ${stamp}`, role: 'support' })).key));
  if (!HAVE_FIXTURES) return;
  await Promise.all(
    identities.map(({ file, ...identity }) =>
      replayFixture(server.wsUrl, readRtcstatsFixture(file), identity, FIXTURE_SECRET),
    ),
  );
  // A call in progress: fresh timestamps, so it is live and not historical.
  const token = await generateAuthToken(
    { user: `u_live_${stamp}`, session: liveSession, conference: liveConference },
    FIXTURE_SECRET,
  );
  liveSocket = openIngestSocket(server.wsUrl, { token });
  await waitOpen(liveSocket);
  liveSocket.send(JSON.stringify([39, null, { hardwareConcurrency: 4 }, Date.now()]));
  await eventually(async () => {
    const page = sessionPageSchema.parse(
      await api.get(sessionsRoute, `/api/v1/sessions?conference=${conference}`, noParams),
    );
    return page.sessions.length === identities.length && page.sessions.every((s) => s.processed);
  }, 90_000);
}, 150_000);

afterAll(async () => {
  if (liveSocket) {
    const closed = waitClose(liveSocket);
    liveSocket.close(1000);
    await closed;
  }
  await server?.close();
});

describe.skipIf(!HAVE_FIXTURES)('read API answers match lib/schemas/read-api.ts', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);

  const sessions = async (): Promise<SessionListItem[]> =>
    parse(
      sessionPageSchema,
      await api.get(sessionsRoute, `/api/v1/sessions?conference=${conference}`, noParams),
      'GET /api/v1/sessions',
    ).sessions;

  test('GET /api/v1/sessions (filters, paging)', async () => {
    const page = parse(
      sessionPageSchema,
      await api.get(sessionsRoute, `/api/v1/sessions?conference=${conference}`, noParams),
      'sessions',
    );
    expect(page.sessions).toHaveLength(4);
    expect(page.nextCursor).toBeNull();
    expect(page.sessions.every((s) => s.participants === 2 && s.quality !== null)).toBe(true);
    const first = parse(
      sessionPageSchema,
      await api.get(sessionsRoute, `/api/v1/sessions?conference=${conference}&limit=1`, noParams),
      'page 1',
    );
    expect(first.nextCursor).not.toBeNull();
    const live = parse(
      sessionPageSchema,
      await api.get(sessionsRoute, `/api/v1/sessions?live=true&q=${liveConference}`, noParams),
      'live',
    );
    expect(live.sessions.map((s) => s.session)).toEqual([liveSession]);
  });

  test('GET /api/v1/search: user, conference, session and prefix', async () => {
    const [alice] = identities;
    const cases = [
      [alice.user, 'user'],
      [conference, 'conference'],
      [alice.session, 'session'],
      [`standup_shapes_${stamp.slice(0, 6)}`, 'any'],
    ] as const;
    for (const [q, kind] of cases) {
      const result = parse(
        searchResultSchema,
        await api.get(searchRoute, `/api/v1/search?q=${encodeURIComponent(q)}`, noParams),
        `search ${q}`,
      );
      expect(result.kind).toBe(kind);
      expect(result.sessions.length).toBeGreaterThan(0);
    }
  });

  test('GET /api/v1/sessions/{id}, its events and every track series', async () => {
    const [first] = await sessions();
    const detail = parse(
      sessionDetailSchema,
      await api.get(sessionRoute, `/api/v1/sessions/${first.id}`, { id: first.id }),
      'session detail',
    );
    expect(detail.analysis).not.toBeNull();
    expect(detail.analysis?.connections.length).toBeGreaterThan(0);
    expect(detail.tracks.map((t) => `${t.direction}:${t.kind}`).sort()).toEqual([
      'inbound:audio',
      'inbound:video',
      'outbound:audio',
      'outbound:video',
    ]);

    const events = parse(
      eventLogSchema,
      await api.get(eventsRoute, `/api/v1/sessions/${first.id}/events?limit=20`, { id: first.id }),
      'event log',
    );
    expect(events.events).toHaveLength(20);
    expect(events.truncated).toBe(true);

    for (const track of detail.tracks) {
      const key = encodeURIComponent(track.trackKey);
      const params = { id: first.id, trackId: key };
      const all = parse(
        trackSeriesSchema,
        await api.get(seriesRoute, `/api/v1/sessions/${first.id}/tracks/${key}/series`, params),
        'series',
      );
      expect(all.points).toBeGreaterThan(10);
      expect(all.t).toHaveLength(all.points);
      const some = parse(
        trackSeriesSchema,
        await api.get(
          seriesRoute,
          `/api/v1/sessions/${first.id}/tracks/${key}/series?metrics=bitrate,packetLossPct&maxPoints=50`,
          params,
        ),
        'series window',
      );
      expect(Object.keys(some.values).every((m) => m === 'bitrate' || m === 'packetLossPct')).toBe(true);
    }
  });

  test('GET /api/v1/sessions/{id} of a live session (no analysis yet, or a partial one)', async () => {
    const page = parse(
      sessionPageSchema,
      await api.get(sessionsRoute, `/api/v1/sessions?session=${liveSession}`, noParams),
      'live list',
    );
    const id = page.sessions[0].id;
    const detail = parse(
      sessionDetailSchema,
      await api.get(sessionRoute, `/api/v1/sessions/${id}`, { id }),
      'live session detail',
    );
    expect(detail.session.live).toBe(true);
    expect(detail.session.end).toBeNull();
  });

  test('GET /api/v1/conferences/{conference}', async () => {
    const name = encodeURIComponent(conference);
    const detail = parse(
      conferenceDetailSchema,
      await api.get(conferenceRoute, `/api/v1/conferences/${name}`, { conference: name }),
      'conference',
    );
    expect(detail.participants).toHaveLength(2);
    expect(
      detail.participants.every((p) => p.sessions.length === 2 && p.sessions.every((s) => s.tracks.length > 0)),
    ).toBe(true);
    expect(detail.pairs.length).toBeGreaterThan(0);
    expect(detail.timeline).toHaveLength(4);
    expect(detail.timeline.some((t) => t.events.some((e) => e.type === 'rejoined'))).toBe(true);
  });

  test('GET /api/v1/users/{user}', async () => {
    const user = encodeURIComponent(identities[0].user);
    const detail = parse(userDetailSchema, await api.get(userRoute, `/api/v1/users/${user}`, { user }), 'user');
    expect(detail.sessions).toHaveLength(2);
    expect(detail.user.sessionCount).toBe(2);
  });

  test('GET /api/v1/live', async () => {
    const live = parse(liveResponseSchema, await api.get(liveRoute, '/api/v1/live', noParams), 'live');
    const ours = live.conferences.find((c) => c.name === liveConference);
    expect(ours?.sessions.map((s) => s.session)).toEqual([liveSession]);
  });

  test('GET /api/health', async () => {
    parse(healthResponseSchema, await api.get(healthRoute, '/api/health', noParams), 'health');
  });

  test('the schemas are strict: an extra, a missing or a retyped field fails', async () => {
    const [item] = await sessions();
    expect(sessionListItemSchema.safeParse(item).success).toBe(true);
    expect(sessionListItemSchema.safeParse({ ...item, extra: 1 }).success).toBe(false);
    const { participants: _dropped, ...missing } = item;
    expect(sessionListItemSchema.safeParse(missing).success).toBe(false);
    expect(sessionListItemSchema.safeParse({ ...item, start: new Date(item.start ?? 0).toISOString() }).success).toBe(
      false,
    );

    const detail = parse(
      sessionDetailSchema,
      await api.get(sessionRoute, `/api/v1/sessions/${item.id}`, { id: item.id }),
      'detail',
    );
    const [track] = detail.tracks;
    expect(trackDtoSchema.safeParse({ ...track, series: {} }).success).toBe(false);
    expect(trackDtoSchema.safeParse({ ...track, summary: null }).success).toBe(false);
    expect(sessionDetailSchema.safeParse({ ...detail, session: { ...detail.session, extra: 1 } }).success).toBe(false);
    expect(trackDtoSchema.safeParse({ ...track, direction: 'sideways' }).success).toBe(false);
  });
});
