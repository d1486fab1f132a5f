/**
 * Two Callscope nodes on one PostgreSQL (issue 13), each the production bundle in its own process: once with one
 * S3-compatible store (s3rver) and a data directory each, once sharing one local data directory. Alice streams to
 * node A and Bob to node B. During the call either node's API shows both live, with stored series; after it,
 * either node shows the conference's pairs. Then a second call, and node A is killed with SIGKILL mid-call and
 * not restarted: within a minute node B ends Alice's session at its last stored frame (1006, `node_lost`), with
 * her analysis as last stored. When node A starts again it stores the orphaned dump and the session is processed
 * again from it, with every frame received up to a second before the kill.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type WebSocket from 'ws';
import type { ConferenceDetail, SessionDetail } from '../lib/schemas/read-api';
import { generateAuthToken } from '../lib/shared/auth-token';
import { HAVE_BUNDLE, type RunningBundle, startBundle } from './helpers/bundle';
import { HAVE_FIXTURES, readRtcstatsFixture, type RtcstatsFixture } from './helpers/fixtures';
import { eventually, openIngestSocket, waitClose, waitOpen } from './helpers/replay';
import { FIXTURE_SECRET } from './helpers/server';

const API_KEY = `cs_${randomBytes(24).toString('hex')}`;
const PACE_MS = 150;
const BUCKET = 'callscope-two-nodes';

let sql: pg.Client;
const t0 = Date.now();
const step = (what: string) => console.log(`[two-nodes +${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
let s3: S3rver;
let s3Dir: string;
let s3Endpoint: string;

beforeAll(async () => {
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
  s3Dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-two-nodes-s3-'));
  s3 = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  s3Endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
});

afterAll(async () => {
  await sql?.end();
  await s3?.close();
  if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
});

/** What every node of one deployment shares: secrets, the API key, a short node timeout for the test. */
function sharedEnv(stamp: string): Record<string, string> {
  return {
    CALLSCOPE_JWT_SECRET: FIXTURE_SECRET,
    CALLSCOPE_BOOTSTRAP_API_KEY: API_KEY,
    CALLSCOPE_MASTER_KEY: 'two-nodes-master-key-passphrase-0123456789',
    NEXTAUTH_SECRET: 'two-nodes-nextauth-secret-0123456789abcdef',
    CALLSCOPE_NODE_TIMEOUT_SECONDS: '6',
    CALLSCOPE_LOG_LEVEL: 'warn',
    CALLSCOPE_JOB_SCHEMA: `pgboss_two_${stamp}`,
  };
}

async function api<T>(node: RunningBundle, pathname: string): Promise<T> {
  const res = await fetch(`${node.base}${pathname}`, { headers: { Authorization: `Bearer ${API_KEY}` } });
  if (!res.ok) throw new Error(`${pathname} on :${node.port}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A client streaming a fixture at PACE_MS a frame; `sentBefore(t)` counts the frames sent before t. */
async function stream(
  node: RunningBundle,
  fixture: RtcstatsFixture,
  identity: { user: string; session: string; conference: string },
) {
  const token = await generateAuthToken(identity, FIXTURE_SECRET, 600);
  const ws: WebSocket = openIngestSocket(`ws://127.0.0.1:${node.port}`, {
    token,
    path: '/standup',
    userAgent: fixture.metadata.userAgent,
  });
  ws.on('error', () => {});
  await waitOpen(ws);
  const sentAt: number[] = [];
  let stopped = false;
  const done = (async () => {
    for (const frame of fixture.frames) {
      if (stopped || ws.readyState !== ws.OPEN) return;
      ws.send(frame);
      sentAt.push(Date.now());
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
  })();
  return {
    ws,
    done,
    stop: () => {
      stopped = true;
    },
    sentBefore: (t: number) => sentAt.filter((s) => s <= t).length,
    async close() {
      await done;
      const closed = waitClose(ws);
      ws.close(1000);
      await closed;
    },
  };
}

async function row(session: string) {
  const { rows } = await sql.query('SELECT * FROM "rtcstats-server" WHERE rtcstats_session = $1', [session]);
  return rows[0];
}

function sessionsOf(conf: ConferenceDetail) {
  return conf.participants.flatMap((p) => p.sessions);
}

type Layout = 's3' | 'shared-directory';

async function startNodes(layout: Layout, stamp: string) {
  const shared =
    layout === 'shared-directory' ? await mkdtemp(path.join(os.tmpdir(), 'callscope-two-nodes-dir-')) : undefined;
  const store: Record<string, string> =
    layout === 's3'
      ? {
          S3_BUCKET: BUCKET,
          S3_ENDPOINT: s3Endpoint,
          S3_ACCESS_KEY_ID: 'S3RVER',
          S3_SECRET_ACCESS_KEY: 'S3RVER',
          S3_FORCE_PATH_STYLE: 'true',
          S3_PREFIX: `${stamp}/`,
        }
      : {};
  const envA = { ...sharedEnv(stamp), ...store, CALLSCOPE_HOST_IDENTIFIER: `node-a-${stamp}` };
  const envB = { ...sharedEnv(stamp), ...store, CALLSCOPE_HOST_IDENTIFIER: `node-b-${stamp}` };
  const reuseA = shared ? { dataDir: shared } : undefined;
  const a = await startBundle(envA, reuseA);
  const b = await startBundle(envB, shared ? { dataDir: shared } : undefined);
  expect(a.health?.status, a.output()).toBe(200);
  expect(b.health?.status, b.output()).toBe(200);
  return {
    a,
    b,
    /** Node A again, on its own data directory (or the shared one), after a kill. */
    restartA: () => startBundle(envA, { dataDir: a.dataDir }),
    async cleanUp() {
      if (shared) await rm(shared, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!HAVE_BUNDLE || !HAVE_FIXTURES).each<Layout>(['s3', 'shared-directory'])('two nodes, %s', (layout) => {
  const alice = HAVE_FIXTURES ? readRtcstatsFixture('standup-alice.rtcstats') : (undefined as never);
  const bob = HAVE_FIXTURES ? readRtcstatsFixture('standup-bob.rtcstats') : (undefined as never);

  test("either node serves the live and the ended conference; a killed node's session is ended by the other and recovered at its restart", async () => {
    const stamp = `${Date.now()}_${randomBytes(3).toString('hex')}`;
    const nodes = await startNodes(layout, stamp);
    let a: RunningBundle = nodes.a;
    const b = nodes.b;
    let restarted: RunningBundle | undefined;
    try {
      step('start call 1');
      // 1. A call across both nodes.
      const conference = `two_nodes_${stamp}`;
      const ids = { alice: `alice_${stamp}`, bob: `bob_${stamp}` };
      const aliceCall = await stream(a, alice, { user: 'user_alice', session: ids.alice, conference });
      const bobCall = await stream(b, bob, { user: 'user_bob', session: ids.bob, conference });
      for (const node of [a, b]) {
        const live = await eventually(async () => {
          const conf = await api<ConferenceDetail>(node, `/api/v1/conferences/${conference}`).catch(() => null);
          const sessions = conf ? sessionsOf(conf) : [];
          return sessions.length === 2 && sessions.every((s) => s.live && s.tracks.length > 0) && sessions;
        }, 20_000);
        for (const s of live) {
          const detail = await api<SessionDetail>(node, `/api/v1/sessions/${s.id}`);
          const series = await api<{ points: number }>(
            node,
            `/api/v1/sessions/${s.id}/tracks/${encodeURIComponent(detail.tracks[0].trackKey)}/series`,
          );
          expect(series.points, `${s.user} on :${node.port}`).toBeGreaterThan(0);
        }
      }
      step('live seen on both');
      await Promise.all([aliceCall.close(), bobCall.close()]);
      for (const node of [a, b]) {
        const ended = await eventually(async () => {
          const conf = await api<ConferenceDetail>(node, `/api/v1/conferences/${conference}`);
          return sessionsOf(conf).every((s) => s.processed && !s.live) && conf.pairs.length > 0 && conf;
        }, 30_000);
        expect(ended.pairs.map((p) => p.kind).sort()).toEqual(['audio', 'audio', 'video', 'video']);
        for (const p of ended.pairs) expect(Array.isArray(p.verdicts)).toBe(true);
      }

      step('ended seen on both');
      // 2. A second call; node A is killed mid-call.
      const conference2 = `two_nodes_kill_${stamp}`;
      const ids2 = { alice: `alice2_${stamp}`, bob: `bob2_${stamp}` };
      const alice2 = await stream(a, alice, { user: 'user_alice', session: ids2.alice, conference: conference2 });
      const bob2 = await stream(b, bob, { user: 'user_bob', session: ids2.bob, conference: conference2 });
      // A snapshot of Alice's analysis with her tracks is stored (every 5 s), then the kill.
      await eventually(async () => {
        const r = await row(ids2.alice);
        if (!r?.features_processing_stop) return false;
        const { rows } = await sql.query('SELECT count(*)::int AS n FROM track WHERE session_id = $1', [r.id]);
        return rows[0].n > 0;
      }, 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      const killedAt = Date.now();
      a.child.kill('SIGKILL');
      await new Promise((r) => a.child.once('exit', r));
      alice2.stop();
      const sentBeforeKill = alice2.sentBefore(killedAt - 1000);

      step('killed');
      const lost = await eventually(async () => {
        const r = await row(ids2.alice);
        return r?.status === 'ended' && r;
      }, 60_000).catch((err) => {
        throw new Error(`${err.message}\nnode B said:\n${b.output()}`);
      });
      const lostAfterMs = Date.now() - killedAt;
      expect(lostAfterMs).toBeLessThan(60_000);
      expect(lost.node_lost).toBe(true);
      expect(lost.close_code).toBe(1006);
      expect(lost.close_reason).toMatch(/node lost/);
      expect(lost.session_end.getTime()).toBe(lost.last_message_at.getTime());
      expect(lost.session_end.getTime()).toBeLessThanOrEqual(killedAt);
      expect(lost.features_processing_stop.getTime()).toBeGreaterThanOrEqual(lost.session_end.getTime());
      expect(lost.blob_url).toBeNull();
      // Her analysis as last stored, on the surviving node; Bob's call goes on there.
      const aliceDetail = await api<SessionDetail>(b, `/api/v1/sessions/${lost.id}`);
      expect(aliceDetail.tracks.length).toBeGreaterThan(0);
      expect((await row(ids2.bob)).status).toBe('live');
      await bob2.close();

      step('lost handled');
      // 3. Node A starts again: the orphaned dump is stored and processed again from it.
      restarted = await nodes.restartA();
      a = restarted;
      expect(restarted.health?.status, restarted.output()).toBe(200);
      const recovered = await eventually(async () => {
        const r = await row(ids2.alice);
        return r.blob_url && r.features_processing_stop > lost.features_processing_stop && r;
      }, 60_000);
      expect(recovered.processing_error).toBeNull();
      const dump = await fetch(`${b.base}/api/v1/sessions/${recovered.id}/dump`, {
        headers: { Authorization: `Bearer ${API_KEY}` },
      });
      expect(dump.status).toBe(200);
      const body = Buffer.from(await dump.arrayBuffer());
      const text = (body[0] === 0x1f ? gunzipSync(body) : body).toString('utf8');
      const frames = text.split('\n').filter((l) => l.startsWith('[') && !l.startsWith('["close"'));
      expect(frames.length).toBeGreaterThanOrEqual(sentBeforeKill);
      const reprocessed = await api<SessionDetail>(b, `/api/v1/sessions/${recovered.id}`);
      expect(reprocessed.tracks.length).toBeGreaterThanOrEqual(aliceDetail.tracks.length);
    } finally {
      if (nodes.a.child.exitCode === null && nodes.a.child.signalCode === null) nodes.a.child.kill('SIGKILL');
      await restarted?.stop();
      await b.stop();
      await nodes.a.stop();
      await nodes.cleanUp();
      await sql.query(`DROP SCHEMA IF EXISTS "pgboss_two_${stamp}" CASCADE`).catch(() => {});
    }
  }, 240_000);
});
