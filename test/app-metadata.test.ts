import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GET as conferenceRoute } from '../app/api/v1/conferences/[conference]/route';
import { GET as searchRoute } from '../app/api/v1/search/route';
import { GET as eventsRoute } from '../app/api/v1/sessions/[id]/events/route';
import { GET as sessionRoute } from '../app/api/v1/sessions/[id]/route';
import { GET as sessionsRoute } from '../app/api/v1/sessions/route';
import {
  conferenceDetailSchema,
  eventLogSchema,
  searchResultSchema,
  sessionDetailSchema,
  sessionPageSchema,
} from '../lib/schemas/read-api';
import { createApiKey } from '../lib/server/data/api-keys';
import { HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, replayFixture } from './helpers/replay';
import { noParams, parse, type RouteCaller, routeCaller } from './helpers/route-call';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * The page's own trace calls end to end: a real rtcstats-js dump streamed over the WebSocket with `metadata`,
 * `feedback` and a custom event traced at the end, analysed live and stored, then found through the read API the
 * dashboard uses: search by `plan:pro` and `rating:<=2` (and not by `plan:free` or `rating:>=4`), the session's
 * metadata and feedback, the custom event in its event log and on its conference's timeline.
 */
let server: TestServer;
let api: RouteCaller;
let sessionId: string;

const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;
const identity = { user: `user_meta_${stamp}`, session: `sess_meta_${stamp}`, conference: `meta_${stamp}` };
const EXTRA_FRAMES = [
  ['metadata', null, { plan: 'pro', region: 'eu-west', run: stamp }, 20],
  ['myAppEvent', null, { x: 1 }, 10],
  ['feedback', null, { rating: 2, comment: 'echo' }, 10],
];

const search = async (q: string) =>
  parse(
    searchResultSchema,
    await api.get(searchRoute, `/api/v1/search?q=${encodeURIComponent(q)}&limit=200`, noParams),
    `search ${q}`,
  ).sessions.map((s) => s.id);

beforeAll(async () => {
  server = await startTestServer();
  api = routeCaller((await createApiKey({ name: `app-metadata ${stamp}`, role: 'support' })).key);
  if (!HAVE_FIXTURES) return;
  await replayFixture(server.wsUrl, readRtcstatsFixture('standup-alice.rtcstats'), identity, FIXTURE_SECRET, {
    extraFrames: EXTRA_FRAMES,
  });
  sessionId = await eventually(async () => {
    const page = parse(
      sessionPageSchema,
      await api.get(sessionsRoute, `/api/v1/sessions?session=${identity.session}`, noParams),
      'sessions',
    );
    return page.sessions[0]?.id;
  }, 30_000);
  // The final analysis is stored: a live snapshot taken before the last frames could be all there is until then.
  await eventually(async () => {
    const { session } = parse(
      sessionDetailSchema,
      await api.get(sessionRoute, `/api/v1/sessions/${sessionId}`, { id: sessionId }),
      'session',
    );
    const { stop } = session.processing;
    return session.status === 'ended' && stop !== null && session.sessionEnd !== null && stop >= session.sessionEnd;
  }, 60_000);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe.skipIf(!HAVE_FIXTURES)('custom events, metadata and feedback', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);

  test('search finds the session by its metadata and rating, and not by other values', async () => {
    expect(await search('plan:pro')).toContain(sessionId);
    expect(await search(`PLAN:Pro run:${stamp}`)).toEqual([sessionId]);
    expect(await search(`rating:<=2 run:${stamp}`)).toEqual([sessionId]);
    expect(await search('rating:<=2')).toContain(sessionId);
    expect(await search('rating:2')).toContain(sessionId);
    // Other values: this run's session only (the shared test database holds other tests' rows).
    expect(await search(`plan:free run:${stamp}`)).toEqual([]);
    expect(await search(`rating:>=4 run:${stamp}`)).toEqual([]);
    expect(await search('plan:free')).not.toContain(sessionId);
    expect(await search(`plan:pro rating:5 run:${stamp}`)).toEqual([]);
    // Terms and an id prefix together.
    expect(await search(`user_meta_${stamp.slice(0, 8)} plan:pro`)).toContain(sessionId);
    expect(await search(`user_nobody plan:pro run:${stamp}`)).toEqual([]);
  });

  test('a rating that cannot be one is refused with the syntax, not searched', async () => {
    const body = (await api.get(searchRoute, '/api/v1/search?q=rating%3A9', noParams, 422)) as {
      error: { code: string; message: string };
    };
    expect(body.error.code).toBe('unprocessable_entity');
    expect(JSON.stringify(body)).toContain('rating:<=2');
  });

  test('the session shows its metadata and feedback; the search row its rating', async () => {
    const detail = parse(
      sessionDetailSchema,
      await api.get(sessionRoute, `/api/v1/sessions/${sessionId}`, { id: sessionId }),
      'session',
    );
    expect(detail.session.metadata).toEqual({ plan: 'pro', region: 'eu-west', run: stamp });
    expect(detail.session.feedback).toEqual({ rating: 2, comment: 'echo' });
    expect(detail.session.feedbackRating).toBe(2);
    expect(detail.analysis?.summary.app?.eventCount).toBe(3);
  });

  test('the custom event is in the session’s event log, marked as the page’s own', async () => {
    const log = parse(
      eventLogSchema,
      await api.get(eventsRoute, `/api/v1/sessions/${sessionId}/events?type=myAppEvent`, { id: sessionId }),
      'events',
    );
    expect(log.events).toHaveLength(1);
    expect(log.events[0]).toMatchObject({ type: 'myAppEvent', pc: null, value: { x: 1 }, app: true });
    const all = parse(
      eventLogSchema,
      await api.get(eventsRoute, `/api/v1/sessions/${sessionId}/events`, { id: sessionId }),
      'events',
    );
    expect(all.events.filter((e) => e.app).map((e) => e.type)).toEqual(['metadata', 'myAppEvent', 'feedback']);
    // The fixture's own API calls stay unmarked.
    expect(all.events.some((e) => e.type === 'setLocalDescription' && !e.app)).toBe(true);
  });

  test('the conference timeline carries the app events, labelled as the app’s', async () => {
    const detail = parse(
      conferenceDetailSchema,
      await api.get(conferenceRoute, `/api/v1/conferences/${identity.conference}`, {
        conference: identity.conference,
      }),
      'conference',
    );
    const lane = detail.timeline.find((l) => l.sessionId === sessionId);
    const app = lane?.events.filter((e) => e.type === 'app') ?? [];
    expect(app.map((e) => e.label.split(' ')[0])).toEqual(['metadata', 'myAppEvent', 'feedback']);
    // The name, then the value as JSON (key order as PostgreSQL's jsonb keeps it).
    const values = app.map((e) => JSON.parse(e.label.slice(e.label.indexOf(' ') + 1)));
    expect(values).toEqual([{ plan: 'pro', region: 'eu-west', run: stamp }, { x: 1 }, { rating: 2, comment: 'echo' }]);
    expect(detail.participants[0].sessions[0].feedbackRating).toBe(2);
  });
});
