/**
 * `npm run bench:abuse` (issue 11): load and abuse. Do well-behaved rtcstats clients keep full service while
 * abusive ones are refused or closed, with the server's DEFAULT ingest limits?
 *
 * Each run starts Callscope's real server in a child process (`abuse-server-child.ts`: `startServer()` with
 * Next.js when `.next/BUILD_ID` exists, so the HTTP ingest routes are there; `NODE_ENV=production`, a fresh
 * database and data directory per run, no `CALLSCOPE_INGEST_*` set) on 127.0.0.1, then:
 *
 *  - run 1 ("alone"): `--clients` (1000) well-behaved clients, each with its own token and session, the recorded
 *    User-Agent/Origin/path of an rtcstats-js fixture (client i: fixture i mod 4), opened over ~5 s from ten
 *    loopback addresses 127.0.0.2–127.0.0.11 (100 each: under the per-address defaults of 500 open and a burst of
 *    200 new connections), send their fixture's frames in order, one a second (random phase), for `--seconds`
 *    (60), then close with 1000;
 *  - run 2 ("with abusers"): the same, plus 200 abusive clients during the load, each kind from its own loopback
 *    address(es) 127.0.1.x: oversized frames, frame and byte floods, invalid JSON, missing/bad tokens,
 *    connection storms (one address; one token) and HTTP gzip bombs to /api/v1/frames and /api/v1/upload.
 *
 * Well-behaved figures: frames lost (sent − appended to the client's dump, as the server child counts them),
 * frame-to-disk p50/p99 (send → the DumpWriter fdatasync covering the frame returned, as in ingest.ts), server
 * peak RSS and CPU over the load. Abusers: what each got (close code, HTTP status, error).
 *
 * Options: --clients N (1000) --seconds N (60) --timeout S (600, whole bench). Exit code 0 whether or not the
 * target is met (a benchmark, not a test); 1 if the bench could not run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import WebSocket from 'ws';
import { childInbox, runBench } from './bench-process';
import { generateAuthToken } from '../../lib/shared/auth-token';
import { HAVE_FIXTURES, RTCSTATS_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from '../../test/helpers/fixtures';
import { type ChildMessage, type ChildResults, CONN_PARAM, nowMs, type ParentMessage } from './ingest-protocol';
import { benchAdminDatabase, createBenchDatabase } from './bench-database';
import { formatCount as fmt, quantile } from './report';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRET = 'fixture-secret-0123456789abcdef0123456789abcdef';
const TARGET_P99_RATIO = 2;
const MB = 1024 * 1024;
const GOOD_ADDRESSES = 10;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Options {
  clients: number;
  seconds: number;
  timeoutS: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { clients: 1000, seconds: 60, timeoutS: 600 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const n = Number(argv[i + 1]);
    if (!['--clients', '--seconds', '--timeout'].includes(arg)) throw new Error(`unknown option ${arg}`);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${arg} needs a positive integer`);
    i++;
    if (arg === '--clients') opts.clients = n;
    else if (arg === '--seconds') opts.seconds = n;
    else opts.timeoutS = n;
  }
  return opts;
}

// -------------------------------------------------------------------------------------------------------------
// Cleanup (as in ingest.ts): everything created is undone on exit, error, timeout or Ctrl-C.

const cleanups: (() => Promise<void>)[] = [];
const children = new Set<ChildProcess>();

async function cleanupAll(): Promise<void> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  while (cleanups.length > 0) {
    const undo = cleanups.pop()!;
    await undo().catch((err) => console.error(`cleanup failed: ${err instanceof Error ? err.message : err}`));
  }
}

// -------------------------------------------------------------------------------------------------------------
// Database: as ingest.ts picks it (DATABASE_URL's server, else system PostgreSQL on 127.0.0.1:5432, else an
// embedded one in a temp dir), one fresh database per run, dropped afterwards (bench-database.ts).

const adminUrl = () => benchAdminDatabase((cleanup) => cleanups.push(cleanup));

async function freshDatabase(admin: string, name: string): Promise<string> {
  const database = await createBenchDatabase(admin, name);
  cleanups.push(database.drop);
  return database.url;
}

// -------------------------------------------------------------------------------------------------------------
// Server child

interface Child {
  port: number;
  send(message: ParentMessage): void;
  next(type: ChildMessage['type'], timeoutMs: number): Promise<ChildMessage>;
  exited: Promise<void>;
}

async function startChild(env: NodeJS.ProcessEnv, logFile: string): Promise<Child> {
  const log = await open(logFile, 'w');
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bench/abuse-server-child.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', log.fd, log.fd, 'ipc'],
  });
  await log.close();
  children.add(proc);
  const { next, exited } = childInbox(proc, 'server', logFile);
  const ready = await next('ready', 180_000);
  if (ready.type !== 'ready') throw new Error('unexpected message');
  return { port: ready.port, send: (m) => proc.send(m), next, exited };
}

// -------------------------------------------------------------------------------------------------------------
// Well-behaved clients

const fixtures = () =>
  RTCSTATS_FIXTURES.map((f) => {
    const dump = readRtcstatsFixture(f.file);
    return {
      frames: dump.frames,
      path: new URL(dump.metadata.url, 'http://x').pathname,
      headers: { 'User-Agent': dump.metadata.userAgent, Origin: dump.metadata.origin },
      user: f.user,
      conference: f.conference,
    };
  });
type Fixture = ReturnType<typeof fixtures>[number];

const token = (fixture: Fixture, session: string, secret = SECRET) =>
  generateAuthToken({ user: fixture.user, session, conference: fixture.conference }, secret, 3600);

interface GoodResult {
  conn: string;
  sendTimes: number[];
  closeCode: number;
  error?: string;
}

async function goodClient(
  base: string,
  fixture: Fixture,
  conn: string,
  localAddress: string,
  openAt: number,
  frames: number,
  started: Promise<number>,
): Promise<GoodResult> {
  const result: GoodResult = { conn, sendTimes: [], closeCode: 0 };
  const url = `${base}${fixture.path}?${CONN_PARAM}=${conn}&rtcstats-token=${encodeURIComponent(await token(fixture, `abuse-${conn}`))}`;
  await sleep(Math.max(0, openAt - Date.now()));
  const ws = new WebSocket(url, 'rtcstats#5.0', { headers: fixture.headers, perMessageDeflate: false, localAddress });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('error', (err) => {
      result.error = err.message;
      resolve(false);
    });
    ws.once('unexpected-response', (_req, res) => {
      result.error = `HTTP ${res.statusCode}`;
      resolve(false);
    });
  });
  if (!opened) return result;
  const t0 = await started;
  const phase = Math.random() * 1000;
  for (let k = 0; k < frames && ws.readyState === WebSocket.OPEN; k++) {
    await sleep(Math.max(0, t0 + phase + k * 1000 - Date.now()));
    if (ws.readyState !== WebSocket.OPEN) break;
    result.sendTimes.push(nowMs());
    ws.send(fixture.frames[k % fixture.frames.length]);
  }
  ws.close(1000);
  result.closeCode = await closed;
  return result;
}

// -------------------------------------------------------------------------------------------------------------
// Abusers: each returns one outcome per connection / request ("close 1009", "HTTP 413", "error ECONNRESET"...).

type Outcomes = Map<string, Map<string, number>>;

function tally(outcomes: Outcomes, kind: string, outcome: string): void {
  const byKind = outcomes.get(kind) ?? new Map<string, number>();
  byKind.set(outcome, (byKind.get(outcome) ?? 0) + 1);
  outcomes.set(kind, byKind);
}

/** Opens one socket and runs `act` once it is open; resolves with how the server ended it (30 s at most). */
function abusiveSocket(
  url: string,
  headers: Record<string, string>,
  localAddress: string,
  act: (ws: WebSocket) => Promise<void> | void,
): Promise<string> {
  return new Promise((resolve) => {
    let outcome: string | undefined;
    const done = (o: string) => {
      outcome ??= o;
      clearTimeout(timer);
      resolve(outcome);
    };
    const ws = new WebSocket(url, 'rtcstats#5.0', { headers, perMessageDeflate: false, localAddress });
    const timer = setTimeout(() => {
      done('still open after 30 s');
      ws.terminate();
    }, 30_000);
    ws.on('unexpected-response', (_req, res) => {
      done(`HTTP ${res.statusCode}`);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (!outcome) setTimeout(() => done(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`), 100);
    });
    ws.on('close', (code) => done(`close ${code}`));
    ws.on('open', () => {
      Promise.resolve(act(ws)).catch(() => {});
    });
  });
}

/** Sends `frame` as fast as the socket takes it until the server closes or `max` frames went out. */
async function flood(ws: WebSocket, frame: string, max: number): Promise<void> {
  for (let i = 0; i < max && ws.readyState === WebSocket.OPEN; i++) {
    if (ws.bufferedAmount > 1 * MB) await new Promise<void>((r) => ws.send(frame, () => r()));
    else ws.send(frame);
    if (i % 200 === 0) await sleep(0);
  }
}

/** The gzip of 200 million newlines (~194 KB), generated once as a stream. */
async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.once('end', resolve);
    gzip.once('error', reject);
  });
  const block = Buffer.alloc(MB, '\n');
  let left = 200_000_000;
  while (left > 0) {
    const piece = left >= block.length ? block : block.subarray(0, left);
    left -= piece.length;
    if (!gzip.write(piece)) await new Promise<void>((r) => gzip.once('drain', r));
  }
  gzip.end();
  await ended;
  return Buffer.concat(chunks);
}

function post(port: number, urlPath: string, body: Buffer, contentType: string, localAddress: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'POST',
        localAddress,
        headers: { 'Content-Type': contentType, 'Content-Length': body.length },
        timeout: 60_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(`HTTP ${res.statusCode}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    req.end(body);
  });
}

interface AbuseKind {
  kind: string;
  clients: number;
  describe: string;
}

const ABUSE_KINDS: AbuseKind[] = [
  { kind: 'oversized frame', clients: 20, describe: 'valid token, one 5 MiB frame' },
  { kind: 'frame flood', clients: 20, describe: 'valid token, 100-byte frames as fast as possible (≤ 20,000)' },
  { kind: 'byte flood', clients: 20, describe: 'valid token, 512 KiB frames as fast as possible (≤ 100)' },
  { kind: 'invalid JSON', clients: 40, describe: 'valid token, then a frame that is not JSON' },
  { kind: 'missing token', clients: 14, describe: 'no rtcstats-token' },
  { kind: 'bad signature', clients: 13, describe: 'token signed with another secret' },
  { kind: 'garbage token', clients: 13, describe: 'rtcstats-token=not.a.jwt' },
  { kind: 'storm: one address', clients: 30, describe: '30 clients × 20 connections, distinct tokens, one address, at once' },
  { kind: 'storm: one token', clients: 10, describe: '10 clients × 10 connections, one token, at once' },
  { kind: 'gzip bomb /api/v1/frames', clients: 10, describe: 'gzip of 200 M newlines, valid token' },
  { kind: 'gzip bomb /api/v1/upload', clients: 10, describe: 'gzip of 200 M newlines, valid token' },
];

async function runAbusers(
  port: number,
  fixture: Fixture,
  seconds: number,
  bomb: Buffer | undefined,
  outcomes: Outcomes,
): Promise<void> {
  const base = `ws://127.0.0.1:${port}${fixture.path}`;
  const t0 = Date.now();
  // Spread over the load, from 5 s in to 10 s before its end; the storms all at once at 20 s.
  const at = () => t0 + 5000 + Math.random() * Math.max(1000, (seconds - 15) * 1000);
  let n = 0;
  const url = async (tok?: string) =>
    `${base}?${CONN_PARAM}=abuser-${n++}${tok === undefined ? '' : `&rtcstats-token=${encodeURIComponent(tok)}`}`;
  const valid = () => token(fixture, `abuser-${randomBytes(6).toString('hex')}`);
  const h = fixture.headers;
  const tasks: Promise<void>[] = [];
  const spawnAbuser = (kind: string, when: number, fn: () => Promise<string | string[]>) =>
    tasks.push(
      (async () => {
        await sleep(Math.max(0, when - Date.now()));
        const r = await fn().catch((err: unknown) => `error ${err instanceof Error ? err.message : err}`);
        for (const o of Array.isArray(r) ? r : [r]) tally(outcomes, kind, o);
      })(),
    );
  const oversized = `["getstats","PC_0",{"x":"${'a'.repeat(5 * MB)}"},0]`;
  const small = `["getstats","PC_0",{"t":${'1'.repeat(60)}},0]`;
  const half = `["getstats","PC_0",{"x":"${'b'.repeat(512 * 1024)}"},0]`;
  for (let i = 0; i < 20; i++) {
    spawnAbuser('oversized frame', at(), async () =>
      abusiveSocket(await url(await valid()), h, '127.0.1.1', (ws) => ws.send(oversized)),
    );
    spawnAbuser('frame flood', at(), async () =>
      abusiveSocket(await url(await valid()), h, '127.0.1.2', (ws) => flood(ws, small, 20_000)),
    );
    spawnAbuser('byte flood', at(), async () =>
      abusiveSocket(await url(await valid()), h, '127.0.1.3', (ws) => flood(ws, half, 100)),
    );
  }
  for (let i = 0; i < 40; i++) {
    spawnAbuser('invalid JSON', at(), async () =>
      abusiveSocket(await url(await valid()), h, '127.0.1.4', (ws) => ws.send('{"not": json')),
    );
  }
  const bad = ['missing token', 'bad signature', 'garbage token'] as const;
  for (let i = 0; i < 40; i++) {
    const kind = bad[i % 3];
    spawnAbuser(kind, at(), async () => {
      const tok =
        kind === 'missing token'
          ? undefined
          : kind === 'bad signature'
            ? await token(fixture, 'abuser-bad', 'another-secret-0123456789abcdef0123456789abcdef')
            : 'not.a.jwt';
      return abusiveSocket(await url(tok), h, '127.0.1.5', () => {});
    });
  }
  // Storms: accepted connections stay open (silent) for 3 s, then close with 1000.
  const hold = (ws: WebSocket) => {
    setTimeout(() => ws.close(1000), 3000);
  };
  const stormAt = t0 + Math.min(20_000, (seconds * 1000) / 3);
  const sharedToken = await valid();
  for (let i = 0; i < 30; i++) {
    const urls = await Promise.all(Array.from({ length: 20 }, async () => url(await valid())));
    spawnAbuser('storm: one address', stormAt, () =>
      Promise.all(urls.map((u) => abusiveSocket(u, h, '127.0.1.6', hold))),
    );
  }
  for (let i = 0; i < 10; i++) {
    const urls = await Promise.all(Array.from({ length: 10 }, () => url(sharedToken)));
    spawnAbuser('storm: one token', stormAt, () => Promise.all(urls.map((u) => abusiveSocket(u, h, '127.0.1.7', hold))));
  }
  for (let i = 0; i < 10; i++) {
    for (const route of ['frames', 'upload'] as const) {
      const kind = `gzip bomb /api/v1/${route}`;
      if (!bomb) {
        tally(outcomes, kind, 'not run (no Next.js build)');
        continue;
      }
      spawnAbuser(kind, at(), async () => {
        const tok = encodeURIComponent(await valid());
        return post(
          port,
          `/api/v1/${route}?rtcstats-token=${tok}`,
          bomb,
          route === 'frames' ? 'application/x-ndjson' : 'application/gzip',
          '127.0.1.8',
        );
      });
    }
  }
  await Promise.all(tasks);
}

// -------------------------------------------------------------------------------------------------------------
// One run

interface RunResult {
  label: string;
  clients: number;
  opened: number;
  sent: number;
  stored: number;
  lost: number;
  badCloses: Map<string, number>;
  p50: number;
  p99: number;
  max: number;
  loadPeakRss: number;
  peakRss: number;
  serverCpuMs: number;
  loadMs: number;
  clientCpuMs: number;
  outcomes?: Outcomes;
}

async function runOnce(
  label: string,
  abusers: boolean,
  opts: Options,
  admin: string,
  withNext: boolean,
  bomb: Buffer | undefined,
): Promise<RunResult> {
  const mark = cleanups.length;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-abuse-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  const databaseUrl = await freshDatabase(admin, `callscope_abuse_${Date.now()}_${abusers ? 'abused' : 'alone'}`);
  const child = await startChild(
    {
      ...process.env,
      NODE_ENV: 'production',
      UV_THREADPOOL_SIZE: '16',
      DATABASE_URL: databaseUrl,
      CALLSCOPE_DATA_DIR: path.join(dir, 'data'),
      CALLSCOPE_JWT_SECRET: SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      CALLSCOPE_LOG_LEVEL: process.env.CALLSCOPE_LOG_LEVEL ?? 'warn',
      BENCH_WITH_NEXT: withNext ? '1' : '0',
      NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? 'bench-nextauth-secret-0123456789abcdef',
    },
    path.join(dir, 'server.log'),
  );
  try {
    const fx = fixtures();
    let release: (t0: number) => void = () => {};
    const started = new Promise<number>((resolve) => {
      release = resolve;
    });
    const base = `ws://127.0.0.1:${child.port}`;
    const openStart = Date.now() + 500;
    const cpu0 = process.cpuUsage();
    const good = Array.from({ length: opts.clients }, (_, i) =>
      goodClient(
        base,
        fx[i % fx.length],
        `${label}-${i}`,
        `127.0.0.${2 + (i % GOOD_ADDRESSES)}`,
        openStart + (i * 5000) / opts.clients,
        opts.seconds,
        started,
      ),
    );
    await sleep(openStart - Date.now() + 6000);
    child.send({ type: 'start', expectedConnections: opts.clients });
    const loadT0 = Date.now();
    release(loadT0 + 200);
    const outcomes: Outcomes = new Map();
    const abuse = abusers ? runAbusers(child.port, fx[0], opts.seconds, bomb, outcomes) : Promise.resolve();
    const results = await Promise.all(good);
    await abuse;
    const resultsFile = path.join(dir, 'results.json');
    child.send({ type: 'stop', resultsFile });
    await child.next('done', 120_000);
    const loadMs = Date.now() - loadT0;
    const cpu = process.cpuUsage(cpu0);
    const server = JSON.parse(await readFile(resultsFile, 'utf8')) as ChildResults;
    await Promise.race([child.exited, sleep(20_000)]);

    const byConn = new Map(server.connections.map((c) => [c.conn, c]));
    const latencies: number[] = [];
    let sent = 0;
    let stored = 0;
    let lost = 0;
    let opened = 0;
    const badCloses = new Map<string, number>();
    for (const r of results) {
      sent += r.sendTimes.length;
      if (r.error || r.closeCode !== 1000) {
        const key = r.error ?? `close ${r.closeCode}`;
        badCloses.set(key, (badCloses.get(key) ?? 0) + 1);
      }
      if (!r.error) opened++;
      // A client that could not open or was closed early lost the frames it should have sent.
      const disk = byConn.get(r.conn);
      const got = disk?.frames ?? 0;
      stored += got;
      lost += opts.seconds - Math.min(got, opts.seconds);
      if (!disk) continue;
      let e = 0;
      for (let i = 0; i < Math.min(got, r.sendTimes.length); i++) {
        while (e < disk.events.length && disk.events[e][0] < i + 1) e++;
        if (e === disk.events.length) break;
        latencies.push(disk.events[e][1] - r.sendTimes[i]);
      }
    }
    const sorted = Float64Array.from(latencies).sort();
    return {
      label,
      clients: opts.clients,
      opened,
      sent,
      stored,
      lost,
      badCloses,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      loadPeakRss: server.loadPeakRss,
      peakRss: server.peakRss,
      serverCpuMs: server.loadCpuMs,
      loadMs,
      clientCpuMs: (cpu.user + cpu.system) / 1000,
      outcomes: abusers ? outcomes : undefined,
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.race([child.exited, sleep(10_000)]);
    children.clear();
    while (cleanups.length > mark) await cleanups.pop()!().catch(() => {});
  }
}

// -------------------------------------------------------------------------------------------------------------

function line(r: RunResult): string {
  const closes = [...r.badCloses].map(([k, v]) => `${v}× ${k}`).join(', ') || 'none';
  return (
    `| ${r.label} | ${fmt(r.opened)} / ${fmt(r.clients)} | ${fmt(r.sent)} | ${fmt(r.stored)} | ${fmt(r.lost)} | ${closes} | ` +
    `${fmt(r.p50, 1)} ms | ${fmt(r.p99, 1)} ms | ${fmt(r.max, 1)} ms | ${fmt(r.loadPeakRss / MB)} MiB | ` +
    `${fmt(r.serverCpuMs / 1000, 1)} s (${fmt((r.serverCpuMs / r.loadMs) * 100)} % of a core) | ${fmt(r.clientCpuMs / 1000, 1)} s |`
  );
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  if (!HAVE_FIXTURES) {
    console.log(`bench:abuse ${SKIP_FIXTURES_MESSAGE}`);
    return 0;
  }
  const withNext = existsSync(path.join(ROOT, '.next/BUILD_ID'));
  const bombT = Date.now();
  const bomb = withNext ? await gzipBomb() : undefined;
  const admin = await adminUrl();
  console.log(
    `bench:abuse — ${opts.clients} well-behaved clients × 1 frame/s × ${opts.seconds} s, alone then with 200 abusers; ` +
      `default CALLSCOPE_INGEST_* limits; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ` +
      `${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; database: ${admin.describe}; Node ${process.version}; ` +
      (bomb
        ? `Next.js on (HTTP routes served); gzip bomb ${fmt(bomb.length)} bytes (made in ${fmt(Date.now() - bombT)} ms)`
        : 'no .next build: Next.js off, HTTP bombs not run'),
  );
  const alone = await runOnce('alone', false, opts, admin.url, withNext, bomb);
  console.log(`  run 1 (alone) done, load average ${os.loadavg()[0].toFixed(2)}`);
  const abused = await runOnce('with abusers', true, opts, admin.url, withNext, bomb);
  console.log(`  run 2 (with abusers) done, load average ${os.loadavg()[0].toFixed(2)}`);

  console.log('\nwell-behaved clients:');
  console.log(
    '| run | connected | frames sent | frames on disk | frames lost | not closed 1000 | p50 frame-to-disk | p99 | max | server peak RSS (load) | server CPU (load) | bench CPU |',
  );
  console.log('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  console.log(line(alone));
  console.log(line(abused));
  console.log('\nabusers (run 2): what each connection / request got');
  console.log('| abuser | clients | what they do | outcomes |');
  console.log('|---|---:|---|---|');
  for (const k of ABUSE_KINDS) {
    const got = [...(abused.outcomes?.get(k.kind) ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1])
      .map(([o, c]) => `${fmt(c)}× ${o}`)
      .join(', ');
    console.log(`| ${k.kind} | ${k.clients} | ${k.describe} | ${got} |`);
  }
  const ratio = abused.p99 / alone.p99;
  const met = abused.lost === 0 && alone.lost === 0 && ratio <= TARGET_P99_RATIO;
  console.log(
    `\nframes lost: ${alone.lost} alone, ${abused.lost} with abusers; p99 with ÷ without abusers = ${ratio.toFixed(2)}× ` +
      `(target: 0 lost and ≤ ${TARGET_P99_RATIO}×): ${met ? 'PASS' : 'FAIL'}`,
  );
  return 0;
}

const timeoutS = (() => {
  try {
    return parseArgs(process.argv.slice(2)).timeoutS;
  } catch {
    return 600;
  }
})();
runBench('bench:abuse', main, timeoutS, cleanupAll);
