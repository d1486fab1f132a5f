import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  averageBitrate,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  type CallPageServer,
  chromiumAvailable,
  runTwoPartyCall,
  startCallPageServer,
  type TwoPartyCallResult,
} from '../e2e/support/jitsi-call';
import { generateAuthToken } from '../lib/shared/auth-token';
import { eventually } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/**
 * Issue 3 "done when": a real @jitsi/rtcstats client (from npm) in Chromium streams a call to the running server
 * and the session appears with tracks and series. Two pages call each other P2P with fake devices; each page is
 * instrumented by the unmodified Jitsi client, which connects with `3.1_STANDARD` and the token as a `/t/<token>/`
 * path segment.
 */

const HAVE_CHROMIUM = chromiumAvailable();
const CALL_MS = 12_000;
const CAP_AT_MS = 6_000;
// Well below what Chromium sends uncapped here (≈180–500 kbit/s depending on how fast its bandwidth estimate and
// resolution ramp up on the machine), so the cap is visible in every run.
const CAP_BPS = 100_000;

interface SeriesJson {
  t: number[];
  values: Record<string, (number | null)[] | undefined>;
}

interface TrackRow {
  direction: string;
  kind: string;
  ssrc: string | null;
  series: Buffer | null;
}

let server: TestServer | undefined;
let sql: pg.Client | undefined;
let browser: Browser | undefined;
let pages: CallPageServer | undefined;

if (!HAVE_CHROMIUM) {
  console.warn(
    `Skipping the real @jitsi/rtcstats client test: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH).`,
  );
}

describe.skipIf(!HAVE_CHROMIUM)('a real @jitsi/rtcstats client in Chromium (3.1_STANDARD over WebSocket)', () => {
  beforeAll(async () => {
    server = await startTestServer({ secrets: [FIXTURE_SECRET] });
    sql = new pg.Client({ connectionString: inject('databaseUrl') });
    await sql.connect();
    [browser, pages] = await Promise.all([
      chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 }),
      startCallPageServer(),
    ]);
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await pages?.close();
    await sql?.end();
    await server?.close();
  });

  test('a two-party call streams to the server; both sessions end with tracks and series', {
    timeout: 120_000,
  }, async () => {
    if (!server || !sql || !browser || !pages) throw new Error('setup did not finish');
    const db = sql;
    const conference = `jitsi_call_${Date.now()}`;
    // The token claims only the conference: user comes from the Jitsi identity (displayName), the session from
    // the client's statsSessionId.
    const token = await generateAuthToken({ conference }, FIXTURE_SECRET, 600);
    const pageLog: string[] = [];
    let call: TwoPartyCallResult;
    try {
      call = await runTwoPartyCall({
        browser,
        pageServer: pages,
        callscopeWsUrl: server.wsUrl,
        token,
        conference,
        users: ['alice', 'bob'],
        durationMs: CALL_MS,
        capBitrateAt: CAP_AT_MS,
        capBitrateBps: CAP_BPS,
        log: (line) => pageLog.push(line),
      });
    } catch (err) {
      console.error(pageLog.join('\n'));
      throw err;
    }

    const [alice, bob] = call.participants;
    for (const p of call.participants) {
      // The client was told its sequence number (else it sends nothing), and closed with 3001 on hang-up.
      expect(p.sockets.length, `${p.user} opened exactly one rtcstats socket`).toBe(1);
      expect(p.sockets[0].gotSequenceNumber, `${p.user} got the sn handshake`).toBe(true);
      expect(p.sockets[0].framesSent).toBeGreaterThan(CALL_MS / 1000);
      expect(p.final.traceCloses.map((c) => c.code)).toEqual([3001]);
      expect(p.final.errors).toEqual([]);
    }
    expect(alice.statsSessionId).not.toBe(bob.statsSessionId);
    // The call itself carried media (the page's own view), and the cap took effect.
    const aliceVideoBefore = averageBitrate(
      alice.samples,
      'outVideoBytes',
      call.connectedAt + 2_000,
      call.connectedAt + CAP_AT_MS,
    );
    const aliceVideoAfter = averageBitrate(
      alice.samples,
      'outVideoBytes',
      (call.capAppliedAt ?? 0) + 2_000,
      call.hungUpAt,
    );
    console.info(
      `client view: alice video ${Math.round((aliceVideoBefore ?? 0) / 1000)} kbit/s before the cap, ` +
        `${Math.round((aliceVideoAfter ?? 0) / 1000)} kbit/s after; sockets ${call.participants
          .map((p) => `${p.user}:${p.sockets[0].framesSent} frames`)
          .join(', ')}`,
    );
    console.info(
      `alice video samples: ${alice.samples
        .map(
          (s) =>
            `${s.outVideoWidth ?? '-'}px/${s.outVideoLimitation ?? '-'}/bwe ${Math.round((s.availableOutgoingBitrate ?? 0) / 1000)}k`,
        )
        .join(' ')}`,
    );
    expect(aliceVideoBefore).toBeGreaterThan(CAP_BPS * 1.4);
    expect(aliceVideoAfter).toBeLessThan(CAP_BPS * 1.25);

    // Both sessions ended server-side and were processed.
    const rows = await eventually(async () => {
      const { rows } = await db.query(
        `SELECT * FROM "rtcstats-server" WHERE rtcstats_session = ANY($1)
           AND session_end IS NOT NULL AND features_processing_stop IS NOT NULL
           AND features_processing_stop >= session_end`,
        [[alice.statsSessionId, bob.statsSessionId]],
      );
      return rows.length === 2 ? rows : null;
    }, 45_000);

    for (const p of call.participants) {
      const row = rows.find((r) => r.rtcstats_session === p.statsSessionId);
      expect(row, `session row for ${p.user}`).toBeDefined();
      expect(row.format).toBe('jitsi');
      expect(row.source).toBe('websocket');
      expect(row.client_protocol).toBe('3.1_STANDARD');
      expect(row.status).toBe('ended');
      expect(row.rtcstats_user).toBe(p.user);
      expect(row.user_is_device).toBe(false);
      expect(row.rtcstats_conference).toBe(conference);
      expect(row.close_code).toBe(3001);
      expect(row.url).toContain('/t/obfuscated/');
      expect(row.url).not.toContain(token);
      expect(row.processing_error).toBeNull();
      expect(row.browser_name).toMatch(/chrom/i);
      expect(row.message_count).toBeGreaterThan(CALL_MS / 1000);
      expect(row.session_end.getTime()).toBeGreaterThanOrEqual(row.session_start.getTime());

      const { rows: tracks } = await db.query<TrackRow>(
        'SELECT direction, kind, ssrc::text AS ssrc, series FROM track WHERE session_id = $1 ORDER BY direction, kind',
        [row.id],
      );
      expect(tracks.map((t) => `${t.direction}:${t.kind}`)).toEqual([
        'inbound:audio',
        'inbound:video',
        'outbound:audio',
        'outbound:video',
      ]);
      const summary: string[] = [];
      for (const t of tracks) {
        expect(t.series, `${p.user} ${t.direction} ${t.kind} series`).not.toBeNull();
        const series = JSON.parse(gunzipSync(t.series as Buffer).toString('utf8')) as SeriesJson;
        expect(series.t.length, `${p.user} ${t.direction} ${t.kind} samples`).toBeGreaterThan(3);
        const bitrate = (series.values.bitrate ?? []).filter((v): v is number => typeof v === 'number');
        expect(
          bitrate.some((v) => v > 0),
          `${p.user} ${t.direction} ${t.kind} has a positive bitrate`,
        ).toBe(true);
        const mean = bitrate.reduce((a, v) => a + v, 0) / Math.max(1, bitrate.length);
        summary.push(`${t.direction}:${t.kind} ${series.t.length} samples, mean ${Math.round(mean / 1000)} kbit/s`);
      }
      console.info(
        `${p.user} (${p.statsSessionId}): ${row.message_count} messages, quality ${row.quality}, ` +
          `issues [${row.issue_types.join(', ')}]; ${summary.join('; ')}`,
      );
      if (process.env.JITSI_CALL_DEBUG) {
        const { rows: a } = await db.query('SELECT * FROM session_analysis WHERE session_id = $1', [row.id]);
        const { rows: issues } = await db.query(
          'SELECT type, severity, track_key, message FROM detected_issue WHERE session_id = $1',
          [row.id],
        );
        const { rows: facts } = await db.query(
          'SELECT track_key, codec, label, track_identifier, mid, facts, summary FROM track WHERE session_id = $1',
          [row.id],
        );
        console.info(JSON.stringify({ analysis: a[0], issues, facts }));
      }
    }

    // The server's series show Alice's cap, on her outbound video and on Bob's inbound copy of it (same clock:
    // one machine).
    const capAt = call.capAppliedAt ?? 0;
    for (const [id, direction] of [
      [alice.statsSessionId, 'outbound'],
      [bob.statsSessionId, 'inbound'],
    ] as const) {
      const { rows: video } = await db.query<TrackRow>(
        `SELECT t.direction, t.kind, NULL AS ssrc, t.series FROM track t JOIN "rtcstats-server" s ON s.id = t.session_id
          WHERE s.rtcstats_session = $1 AND t.direction = $2 AND t.kind = 'video'`,
        [id, direction],
      );
      const series = JSON.parse(gunzipSync(video[0].series as Buffer).toString('utf8')) as SeriesJson;
      const points = series.t.map((t, i) => [t, series.values.bitrate?.[i] ?? null] as const);
      const mean = (from: number, to: number) => {
        const vs = points.filter(([t, v]) => t > from && t <= to && typeof v === 'number').map(([, v]) => v as number);
        return vs.length ? vs.reduce((a, v) => a + v, 0) / vs.length : null;
      };
      const before = mean(call.connectedAt + 2_000, capAt);
      const after = mean(capAt + 2_000, call.hungUpAt);
      console.info(
        `alice video as ${direction === 'outbound' ? 'sent' : 'received by bob'}: ` +
          `${points.map(([t, v]) => `${((t - call.connectedAt) / 1000).toFixed(1)}s=${v === null ? '-' : Math.round(v / 1000)}`).join(' ')} kbit/s; ` +
          `mean ${Math.round((before ?? 0) / 1000)} before the cap, ${Math.round((after ?? 0) / 1000)} after`,
      );
      expect(before).toBeGreaterThan(CAP_BPS * 1.4);
      expect(after).toBeGreaterThan(CAP_BPS * 0.3);
      expect(after).toBeLessThan(CAP_BPS * 1.25);
    }

    // Each side's inbound copy is the other side's outbound stream (same SSRCs), as pairing will rely on.
    const ssrcs = async (id: string, direction: string) =>
      (
        await db.query<{ ssrc: string | null }>(
          `SELECT t.ssrc::text AS ssrc FROM track t JOIN "rtcstats-server" s ON s.id = t.session_id
            WHERE s.rtcstats_session = $1 AND t.direction = $2 ORDER BY t.ssrc`,
          [id, direction],
        )
      ).rows.map((r) => r.ssrc);
    expect(await ssrcs(bob.statsSessionId, 'inbound')).toEqual(await ssrcs(alice.statsSessionId, 'outbound'));
    expect(await ssrcs(alice.statsSessionId, 'inbound')).toEqual(await ssrcs(bob.statsSessionId, 'outbound'));
  });
});
