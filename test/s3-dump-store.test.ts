import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDumpStore } from '../lib/server/dump-store/create-dump-store';
import { loadEnv } from '../lib/server/env';
import type { S3DumpStore } from '../lib/server/dump-store/s3-dump-store';
import { readAll } from '../lib/server/dump-store/dump-store';
import { HAVE_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from './helpers/fixtures';
import { eventually, replayFixture } from './helpers/replay';
import { FIXTURE_SECRET, startTestServer, type TestServer } from './helpers/server';

/*
 * A real S3 protocol server (s3rver: objects on disk, signatures checked with its fixed S3RVER key pair), driven
 * through the AWS SDK exactly as an AWS, MinIO or R2 bucket would be.
 */
const BUCKET = 'callscope-dumps';
let s3: S3rver;
let s3Dir: string;
let endpoint: string;

const s3Env = (overrides: Record<string, string> = {}) => ({
  S3_BUCKET: BUCKET,
  S3_ENDPOINT: endpoint,
  S3_ACCESS_KEY_ID: 'S3RVER',
  S3_SECRET_ACCESS_KEY: 'S3RVER',
  ...overrides,
});

beforeAll(async () => {
  s3Dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-s3-'));
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await s3.run();
  endpoint = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await s3?.close();
  if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
});

async function storeFor(env: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-s3-work-'));
  const store = (await createDumpStore(loadEnv({ NODE_ENV: 'test', ...env }), dir)) as S3DumpStore;
  return { store, dir };
}

async function writeLive(store: S3DumpStore, dumpId: string, text: string) {
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(store.workPath(dumpId));
    out.on('error', reject);
    out.end(text, resolve);
  });
}

describe('S3 dump store', () => {
  test('a finished dump goes to the bucket gzipped, reads back byte for byte, and is removed on request', async () => {
    const { store, dir } = await storeFor(s3Env({ S3_PREFIX: 'tenant-a/dumps' }));
    try {
      expect(store.kind).toBe('s3');
      expect(await store.health()).toEqual({ ok: true, detail: `s3://${BUCKET}/tenant-a/dumps/` });
      const dumpId = crypto.randomUUID();
      const text = `RTCStatsDump\n{"url":"https://meet.example/x"}\n${'["getstats","PC_0",{},1]\n'.repeat(2000)}`;
      await writeLive(store, dumpId, text);
      // Live: read from the local file.
      expect((await readAll(await store.read(dumpId))).toString()).toBe(text);

      const blobUrl = await store.finalize(dumpId);
      expect(blobUrl).toBe(`s3://${BUCKET}/tenant-a/dumps/${dumpId}.gz`);
      await expect(import('node:fs/promises').then((fs) => fs.stat(store.workPath(dumpId)))).rejects.toThrow(/ENOENT/);
      // The object is what was written, gzipped.
      const object = await fetchObject(`tenant-a/dumps/${dumpId}.gz`);
      expect(object.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(object.length).toBeLessThan(text.length / 10);
      expect((await readAll(await store.read(dumpId))).toString()).toBe(text);

      await store.remove(dumpId);
      await expect(store.read(dumpId)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an unreachable or missing bucket shows in health, and a dump that cannot be uploaded stays readable locally', async () => {
    const { store, dir } = await storeFor(s3Env({ S3_BUCKET: 'no-such-bucket' }));
    try {
      const health = await store.health();
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(/^s3:\/\/no-such-bucket\/dumps\/: .*404/);
      const dumpId = crypto.randomUUID();
      await writeLive(store, dumpId, 'RTCStatsDump\n{}\n[1]\n');
      const blobUrl = await store.finalize(dumpId);
      expect(blobUrl).toBe(`file://${store.workPath(dumpId)}`);
      expect((await readAll(await store.read(dumpId))).toString()).toBe('RTCStatsDump\n{}\n[1]\n');
    } finally {
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('S3_BUCKET unset: the local store, as before', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-local-'));
    const store = await createDumpStore(loadEnv({ NODE_ENV: 'test' }), dir);
    expect(store.kind).toBe('local');
    await rm(dir, { recursive: true, force: true });
  });
});

describe.skipIf(!HAVE_FIXTURES)('Callscope with S3_BUCKET set', () => {
  let server: TestServer;
  let sql: pg.Client;

  beforeAll(async () => {
    server = await startTestServer({ env: s3Env({ S3_PREFIX: 'e2e/' }) });
    sql = new pg.Client({ connectionString: inject('databaseUrl') });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await server?.close();
  });

  test('a session streamed over WebSocket is stored in the bucket and processed from it', async () => {
    if (!HAVE_FIXTURES) return console.warn(SKIP_FIXTURES_MESSAGE);
    const fixture = readRtcstatsFixture('standup-alice.rtcstats');
    const session = `sess_s3_${Date.now()}`;
    const closed = await replayFixture(server.wsUrl, fixture, { user: 'user_s3', session, conference: 'conf_s3' }, FIXTURE_SECRET);
    expect(closed.code).toBe(1000);
    const row = await eventually(
      async () =>
        (await sql.query(`SELECT id, dump_id, blob_url FROM "rtcstats-server" WHERE rtcstats_session = $1 AND status = 'ended' AND blob_url IS NOT NULL`, [session]))
          .rows[0],
    );
    expect(row.blob_url).toBe(`s3://${BUCKET}/e2e/${row.dump_id}.gz`);
    expect((await readAll(await server.context.store.read(row.dump_id))).toString().split('\n').length).toBeGreaterThan(fixture.frames.length);
    // Processing read the dump back from the bucket: tracks exist.
    const tracks = await eventually(
      async () => Number((await sql.query('SELECT count(*) FROM track WHERE session_id = $1', [row.id])).rows[0].count) || undefined,
      30_000,
    );
    expect(tracks).toBeGreaterThanOrEqual(4);
    // What /api/health reports as `storage`.
    expect(server.context.store.kind).toBe('s3');
    expect(await server.context.store.health()).toEqual({ ok: true, detail: `s3://${BUCKET}/e2e/` });
  });
});

/** The stored object's bytes, fetched with a client of its own. */
async function fetchObject(key: string): Promise<Buffer> {
  const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  } finally {
    client.destroy();
  }
}
