/**
 * `npm run bench:ingest` (issue 2, item 9): WebSocket ingest throughput of Callscope's real server against a bare
 * `ws` server that only appends frames to a file, same machine, same clients, same run.
 *
 * Each run starts one server in a child process (`ingest-server-child.ts` = Callscope's `startServer({withNext:
 * false})` with a fresh database; `bare-ws-server.ts` = the baseline) on 127.0.0.1, opens N WebSocket clients
 * (`--clients`, default 50) with the recorded User-Agent/Origin of the rtcstats-js fixtures and freshly minted
 * tokens, then every client replays its fixture (client i: fixture i mod 4) in rounds on one connection until it
 * has sent `--frames` frames (default 2000), as fast as the socket takes them (awaiting the write callback whenever
 * more than 256 KiB are buffered), and closes with 1000. Runs alternate Callscope, bare, Callscope, bare...
 * (`--rounds` pairs, default 3); the report gives medians.
 *
 * Figures per run:
 *  - frames/s and MB/s: frames (bytes) sent ÷ time from the first send until the last frame of every connection
 *    was on disk (as the server reports it, see below);
 *  - frame-to-disk latency p50/p99: client send time (taken just before ws.send) → the moment the server reports
 *    the frame on disk. Callscope: the DumpWriter fdatasync covering the frame returned. Bare: the fs write
 *    callback of the frame fired (page cache only, no fsync; that is what "bare" means). Both processes read
 *    `performance.timeOrigin + performance.now()` on the same machine;
 *  - server peak RSS (getrusage maxrss of the child: its own, including start-up) and server CPU time during the
 *    load; client CPU time (this process) for context.
 *
 * Database for Callscope: a fresh database `callscope_bench_<ts>_<n>` per run (created and dropped here) on
 * DATABASE_URL's server if set (used as is when it cannot create databases), else on the system PostgreSQL at
 * 127.0.0.1:5432 if it answers, else on an embedded PostgreSQL started in a temporary directory. A fresh database
 * per run keeps one run's processing backlog (sessions ended at the end of a run are queued for processing and
 * re-queued at start-up) out of the next run.
 *
 * Options: --clients N (50) --frames N (2000 per client) --rounds N (3) --timeout S (600, whole bench)
 *          --cpu-prof (V8 CPU profiles of every server child into --cpu-prof-dir, default a temp dir, kept)
 *          --no-processing (diagnostic: Callscope with processing jobs switched off; not the real server).
 * Exit code 0 whether or not the ≥ 0.8× target is met (a benchmark, not a test); 1 if the bench could not run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { childInbox, runBench } from './bench-process';
import { startEmbeddedPostgres } from '../../lib/server/db/embedded';
import { generateAuthToken } from '../../lib/shared/auth-token';
import { HAVE_FIXTURES, RTCSTATS_FIXTURES, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from '../../test/helpers/fixtures';
import {
  type ChildMessage,
  type ChildResults,
  CONN_PARAM,
  type ConnectionDisk,
  nowMs,
  type ParentMessage,
} from './ingest-protocol';
import { canConnect, withDatabase } from './bench-database';
import { formatCount as fmt, median, quantile } from './report';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE_SECRET = 'fixture-secret-0123456789abcdef0123456789abcdef';
const TARGET_RATIO = 0.8;
const HIGH_WATER = 256 * 1024;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

type Kind = 'callscope' | 'bare';

interface Options {
  clients: number;
  frames: number;
  rounds: number;
  timeoutS: number;
  cpuProf: boolean;
  cpuProfDir?: string;
  /** Diagnostic: Callscope without processing jobs (not the real server; never the headline figure). */
  noProcessing: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { clients: 50, frames: 2000, rounds: 3, timeoutS: 600, cpuProf: false, noProcessing: false };
  const int = (name: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--clients') opts.clients = int(arg, argv[++i]);
    else if (arg === '--frames') opts.frames = int(arg, argv[++i]);
    else if (arg === '--rounds') opts.rounds = int(arg, argv[++i]);
    else if (arg === '--timeout') opts.timeoutS = int(arg, argv[++i]);
    else if (arg === '--cpu-prof') opts.cpuProf = true;
    else if (arg === '--no-processing') opts.noProcessing = true;
    else if (arg === '--cpu-prof-dir') {
      opts.cpuProf = true;
      opts.cpuProfDir = argv[++i];
    } else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

// -------------------------------------------------------------------------------------------------------------
// Cleanup: everything this process creates is registered here and undone on exit, error, timeout or Ctrl-C.

const cleanups: (() => Promise<void>)[] = [];
const children = new Set<ChildProcess>();

/** Runs one registered cleanup now (and forgets it). */
async function undo(cleanup: () => Promise<void>): Promise<void> {
  const i = cleanups.indexOf(cleanup);
  if (i >= 0) cleanups.splice(i, 1);
  await cleanup();
}

async function cleanupAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  while (cleanups.length > 0) {
    const undo = cleanups.pop()!;
    await undo().catch((err) => console.error(`cleanup failed: ${err instanceof Error ? err.message : err}`));
  }
  // A run interrupted mid-way may still be removing its own files: retry the directories once it is gone.
  for (const dir of leftoverDirs) await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
}

const leftoverDirs = new Set<string>();

// -------------------------------------------------------------------------------------------------------------
// Database

interface Database {
  describe: string;
  /** A database for one Callscope run, and how to drop it. */
  forRun(label: string): Promise<{ url: string; drop(): Promise<void> }>;
  /** Before each run: write out what earlier runs left to PostgreSQL and the kernel (outside the measurement). */
  settle(): Promise<void>;
}

function serverDatabase(adminUrl: string, describe: string, fallbackUrl?: string): Database {
  const stamp = `${Date.now()}_${randomBytes(2).toString('hex')}`;
  return {
    describe,
    async settle() {
      const c = new pg.Client({ connectionString: adminUrl });
      try {
        await c.connect();
        await c.query('CHECKPOINT');
      } catch {
        // not a superuser on someone else's server: the kernel sync below still runs
      } finally {
        await c.end().catch(() => {});
      }
      spawnSync('sync');
    },
    async forRun(label) {
      const name = `callscope_bench_${stamp}_${label}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      try {
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
      } catch (err) {
        if (!fallbackUrl) throw err;
        console.warn(`  cannot create a database on DATABASE_URL's server (${(err as Error).message}); using it as is`);
        return { url: fallbackUrl, drop: async () => {} };
      } finally {
        await admin.end().catch(() => {});
      }
      return {
        url: withDatabase(adminUrl, name),
        drop: async () => {
          const c = new pg.Client({ connectionString: adminUrl });
          await c.connect();
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          } finally {
            await c.end();
          }
        },
      };
    },
  };
}

async function pickDatabase(): Promise<Database> {
  const configured = process.env.DATABASE_URL;
  if (configured) return serverDatabase(configured, "DATABASE_URL's server", configured);
  const system = 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (await canConnect(system)) return serverDatabase(system, 'system PostgreSQL 127.0.0.1:5432');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-bench-pg-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const embedded = await startEmbeddedPostgres(dir, 'callscope_bench');
  cleanups.push(() => embedded.stop());
  return serverDatabase(withDatabase(embedded.url, 'postgres'), 'embedded PostgreSQL (temp dir)');
}

// -------------------------------------------------------------------------------------------------------------
// Server children

interface Child {
  process: ChildProcess;
  port: number;
  idleRss: number;
  send(message: ParentMessage): void;
  next(type: ChildMessage['type'], timeoutMs: number): Promise<ChildMessage>;
  exited: Promise<void>;
}

async function startChild(
  kind: Kind,
  dir: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[],
  logFile: string,
): Promise<Child> {
  const script = path.join(ROOT, 'scripts/bench', kind === 'callscope' ? 'ingest-server-child.ts' : 'bare-ws-server.ts');
  const log = await open(logFile, 'w');
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, dir], {
    cwd: ROOT,
    env,
    stdio: ['ignore', log.fd, log.fd, 'ipc'],
  });
  await log.close();
  children.add(proc);
  const { next, exited } = childInbox(proc, `${kind} server`, logFile, () => children.delete(proc));
  const ready = await next('ready', READY_TIMEOUT_MS);
  if (ready.type !== 'ready') throw new Error('unexpected message');
  return {
    process: proc,
    port: ready.port,
    idleRss: ready.idleRss,
    send: (message) => proc.send(message),
    next,
    exited,
  };
}

// -------------------------------------------------------------------------------------------------------------
// Clients

interface Workload {
  fixtures: { frames: string[]; bytes: number[]; path: string; userAgent: string; origin: string; user: string; conference: string }[];
}

function loadWorkload(): Workload {
  return {
    fixtures: RTCSTATS_FIXTURES.map((f) => {
      const dump = readRtcstatsFixture(f.file);
      return {
        frames: dump.frames,
        bytes: dump.frames.map((frame) => Buffer.byteLength(frame)),
        path: new URL(dump.metadata.url, 'http://x').pathname,
        userAgent: dump.metadata.userAgent,
        origin: dump.metadata.origin,
        user: f.user,
        conference: f.conference,
      };
    }),
  };
}

export interface ClientRun {
  conn: string;
  frames: string[];
  bytes: number;
  sendTimes: Float64Array;
  closedAt: number;
  closeCode: number;
}

export interface PreparedClient {
  conn: string;
  url: string;
  headers: Record<string, string>;
  frames: string[];
  bytes: number;
}

async function prepareClients(
  workload: Workload,
  opts: Options,
  label: string,
  wsBase: string,
): Promise<PreparedClient[]> {
  return Promise.all(
    Array.from({ length: opts.clients }, async (_, i) => {
      const fixture = workload.fixtures[i % workload.fixtures.length];
      const frames: string[] = [];
      let bytes = 0;
      while (frames.length < opts.frames) {
        for (let k = 0; k < fixture.frames.length; k++) {
          frames.push(fixture.frames[k]);
          bytes += fixture.bytes[k];
        }
      }
      const conn = `${label}-${i}`;
      const token = await generateAuthToken(
        { user: fixture.user, session: `bench-${conn}`, conference: fixture.conference },
        FIXTURE_SECRET,
        3600,
      );
      const url = `${wsBase}${fixture.path}?${CONN_PARAM}=${conn}&rtcstats-token=${encodeURIComponent(token)}`;
      return { conn, url, headers: { 'User-Agent': fixture.userAgent, Origin: fixture.origin }, frames, bytes };
    }),
  );
}

export function openSocket(client: PreparedClient): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(client.url, 'rtcstats#5.0', { headers: client.headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export async function replay(ws: WebSocket, client: PreparedClient): Promise<ClientRun> {
  const { frames } = client;
  const sendTimes = new Float64Array(frames.length);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  for (let i = 0; i < frames.length; i++) {
    if (ws.readyState !== WebSocket.OPEN) break;
    sendTimes[i] = nowMs();
    if (ws.bufferedAmount >= HIGH_WATER) {
      await new Promise<void>((resolve, reject) => ws.send(frames[i], (err) => (err ? reject(err) : resolve())));
    } else {
      ws.send(frames[i]);
    }
  }
  ws.close(1000);
  const closeCode = await closed;
  return { conn: client.conn, frames, bytes: client.bytes, sendTimes, closedAt: nowMs(), closeCode };
}

// -------------------------------------------------------------------------------------------------------------
// One run

interface RunResult {
  kind: Kind;
  frames: number;
  bytes: number;
  elapsedMs: number;
  receivedMs: number;
  framesPerSec: number;
  mbPerSec: number;
  p50: number;
  p99: number;
  maxLatency: number;
  peakRss: number;
  loadPeakRss: number;
  idleRss: number;
  serverCpuMs: number;
  clientCpuMs: number;
  /** CPU time the whole machine spent busy during the load (all processes, incl. PostgreSQL and others), ms. */
  machineBusyMs?: number;
  /** Callscope: slowest LiveSession.open (frames are held until it returns), ms. */
  maxSessionOpenMs?: number;
}

/** Busy and total CPU time of the whole machine so far (Linux /proc/stat, ms), to show other load. */
export async function machineCpu(): Promise<{ busy: number; total: number } | undefined> {
  try {
    const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
    const ticks = cpu.trim().split(/\s+/).slice(1).map(Number);
    const idle = ticks[3] + (ticks[4] ?? 0);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: ((total - idle) * 1000) / 100, total: (total * 1000) / 100 };
  } catch {
    return undefined;
  }
}

function analyse(kind: Kind, t0: number, clients: ClientRun[], server: ChildResults): Omit<RunResult, 'clientCpuMs'> {
  const byConn = new Map<string, ConnectionDisk>(server.connections.map((c) => [c.conn, c]));
  const total = clients.reduce((n, c) => n + c.frames.length, 0);
  const latencies = new Float64Array(total);
  let n = 0;
  let lastOnDisk = 0;
  for (const client of clients) {
    const disk = byConn.get(client.conn);
    if (!disk) throw new Error(`${kind}: the server reported nothing for connection ${client.conn}`);
    if (disk.frames !== client.frames.length) {
      throw new Error(`${kind}: connection ${client.conn} sent ${client.frames.length} frames, server stored ${disk.frames}`);
    }
    let e = 0;
    for (let i = 0; i < client.frames.length; i++) {
      while (e < disk.events.length && disk.events[e][0] < i + 1) e++;
      if (e === disk.events.length) throw new Error(`${kind}: frame ${i} of ${client.conn} never reported on disk`);
      const at = disk.events[e][1];
      latencies[n++] = at - client.sendTimes[i];
      if (at > lastOnDisk) lastOnDisk = at;
    }
  }
  latencies.sort();
  const bytes = clients.reduce((b, c) => b + c.bytes, 0);
  const elapsedMs = lastOnDisk - t0;
  return {
    kind,
    frames: total,
    bytes,
    elapsedMs,
    receivedMs: Math.max(...clients.map((c) => c.closedAt)) - t0,
    framesPerSec: total / (elapsedMs / 1000),
    mbPerSec: bytes / 1e6 / (elapsedMs / 1000),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    maxLatency: latencies[latencies.length - 1],
    peakRss: server.peakRss,
    loadPeakRss: server.loadPeakRss,
    idleRss: 0,
    serverCpuMs: server.loadCpuMs,
    maxSessionOpenMs: server.sessionOpenMs?.length ? Math.max(...server.sessionOpenMs) : undefined,
  };
}

async function runOnce(kind: Kind, label: string, opts: Options, workload: Workload, database: Database): Promise<RunResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `callscope-bench-${kind}-`));
  const removeDir = () => rm(dir, { recursive: true, force: true, maxRetries: 3 });
  cleanups.push(removeDir);
  leftoverDirs.add(dir);
  let db: { url: string; drop(): Promise<void> } | undefined;
  let child: Child | undefined;
  try {
    const env: NodeJS.ProcessEnv = { ...process.env };
    const nodeArgs: string[] = [];
    if (kind === 'callscope') {
      db = await database.forRun(label);
      cleanups.push(db.drop);
      Object.assign(env, {
        NODE_ENV: 'production',
        // As `npm start` runs it: fsyncs of 50 dumps need more than libuv's default 4 threads.
        UV_THREADPOOL_SIZE: '16',
        DATABASE_URL: db.url,
        CALLSCOPE_DATA_DIR: path.join(dir, 'data'),
        CALLSCOPE_JWT_SECRET: FIXTURE_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        CALLSCOPE_LOG_LEVEL: process.env.CALLSCOPE_LOG_LEVEL ?? 'info',
        // Saturation replays each dump as fast as it can: far above what one browser sends, so the per-connection
        // rate limits (there to stop floods) are off for it.
        CALLSCOPE_INGEST_FRAMES_PER_SECOND: '0',
        CALLSCOPE_INGEST_BYTES_PER_SECOND: '0',
        BENCH_NO_PROCESSING: opts.noProcessing ? '1' : '0',
      });
    } else {
      await mkdir(path.join(dir, 'out'));
    }
    if (opts.cpuProfDir) {
      // One directory per run: every thread (main, tsx's loader, processing workers) writes its own whole-life
      // profile; the child adds load-main.cpuprofile, its main thread during the load only.
      const profDir = path.join(opts.cpuProfDir, `${kind}-${label}`);
      await mkdir(profDir, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
      env.BENCH_LOAD_PROFILE_DIR = profDir;
    }
    child = await startChild(kind, path.join(dir, 'out'), env, nodeArgs, path.join(dir, 'server.log'));
    const clients = await prepareClients(workload, opts, label, `ws://127.0.0.1:${child.port}`);
    const sockets = await Promise.all(clients.map(openSocket));
    child.send({ type: 'start', expectedConnections: clients.length });
    const cpu0 = process.cpuUsage();
    const machine0 = await machineCpu();
    const t0 = nowMs();
    const runs = await Promise.all(clients.map((c, i) => replay(sockets[i], c)));
    const cpu = process.cpuUsage(cpu0);
    const machine1 = await machineCpu();
    const bad = runs.find((r) => r.closeCode !== 1000);
    if (bad) throw new Error(`${kind}: connection ${bad.conn} closed with ${bad.closeCode}`);
    const resultsFile = path.join(dir, 'results.json');
    child.send({ type: 'stop', resultsFile });
    await child.next('done', STOP_TIMEOUT_MS);
    const server = JSON.parse(await readFile(resultsFile, 'utf8')) as ChildResults;
    const result = analyse(kind, t0, runs, server);
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 20_000))]);
    return {
      ...result,
      idleRss: child.idleRss,
      clientCpuMs: (cpu.user + cpu.system) / 1000,
      machineBusyMs: machine0 && machine1 ? machine1.busy - machine0.busy : undefined,
    };
  } finally {
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    if (db) await undo(db.drop);
    await undo(removeDir);
    leftoverDirs.delete(dir);
  }
}

// -------------------------------------------------------------------------------------------------------------
// Report


const MB = 1024 * 1024;

function line(r: RunResult): string {
  return [
    r.kind.padEnd(9),
    `${fmt(r.framesPerSec).padStart(8)} frames/s`,
    `${fmt(r.mbPerSec, 1).padStart(6)} MB/s`,
    `p50 ${fmt(r.p50, 1).padStart(6)} ms`,
    `p99 ${fmt(r.p99, 1).padStart(6)} ms`,
    `max ${fmt(r.maxLatency, 1).padStart(6)} ms`,
    `RSS idle ${fmt(r.idleRss / MB).padStart(4)} / load peak ${fmt(r.loadPeakRss / MB).padStart(4)} / lifetime peak ${fmt(r.peakRss / MB).padStart(4)} MiB`,
    `server CPU ${fmt(r.serverCpuMs).padStart(6)} ms`,
    `client CPU ${fmt(r.clientCpuMs).padStart(6)} ms`,
    r.machineBusyMs !== undefined
      ? `machine busy ${fmt(r.machineBusyMs).padStart(6)} ms of ${fmt(r.receivedMs * os.cpus().length)}`
      : '',
    `(${fmt(r.elapsedMs)} ms on disk, ${fmt(r.receivedMs)} ms received)`,
    r.maxSessionOpenMs !== undefined ? `slowest session open ${fmt(r.maxSessionOpenMs)} ms` : '',
  ].join('  ');
}

function summarise(kind: Kind, runs: RunResult[]) {
  const pick = (f: (r: RunResult) => number) => median(runs.filter((r) => r.kind === kind).map(f));
  return {
    framesPerSec: pick((r) => r.framesPerSec),
    mbPerSec: pick((r) => r.mbPerSec),
    p50: pick((r) => r.p50),
    p99: pick((r) => r.p99),
    peakRss: pick((r) => r.peakRss),
    loadPeakRss: pick((r) => r.loadPeakRss),
    idleRss: pick((r) => r.idleRss),
    cpuPerFrameUs: pick((r) => (r.serverCpuMs * 1000) / r.frames),
  };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  if (!HAVE_FIXTURES) {
    console.log(`bench:ingest ${SKIP_FIXTURES_MESSAGE}`);
    return 0;
  }
  if (opts.cpuProf) {
    opts.cpuProfDir = path.resolve(opts.cpuProfDir ?? (await mkdtemp(path.join(os.tmpdir(), 'callscope-bench-prof-'))));
    await mkdir(opts.cpuProfDir, { recursive: true });
  }
  const workload = loadWorkload();
  const database = await pickDatabase();
  const framesPerClient = opts.frames;
  console.log(
    `bench:ingest — ${opts.clients} clients × ≥${framesPerClient} frames, ${opts.rounds} rounds (Callscope, bare alternating), ` +
      `loopback; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
      `database: ${database.describe}; Node ${process.version}`,
  );
  const runs: RunResult[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    for (const kind of ['callscope', 'bare'] as const) {
      await database.settle();
      const r = await runOnce(kind, `${kind === 'callscope' ? 'a' : 'b'}${round}`, opts, workload, database);
      runs.push(r);
      console.log(`  round ${round + 1}  ${line(r)}  load avg ${os.loadavg()[0].toFixed(2)}`);
    }
  }
  const a = summarise('callscope', runs);
  const b = summarise('bare', runs);
  const ratio = a.framesPerSec / b.framesPerSec;
  const frames = runs[0].frames;
  console.log(`\nmedians of ${opts.rounds} runs each, ${fmt(frames)} frames (${fmt(runs[0].bytes / 1e6, 1)} MB) per run:`);
  console.log(
    '| server | frames/s | MB/s | p50 frame-to-disk | p99 frame-to-disk | peak RSS under load | peak RSS lifetime | idle RSS | server CPU/frame |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, s] of [
    [opts.noProcessing ? 'Callscope, processing OFF (diagnostic)' : 'Callscope (fdatasync)', a],
    ['bare ws (write callback)', b],
  ] as const) {
    console.log(
      `| ${name} | ${fmt(s.framesPerSec)} | ${fmt(s.mbPerSec, 1)} | ${fmt(s.p50, 1)} ms | ${fmt(s.p99, 1)} ms | ` +
        `${fmt(s.loadPeakRss / MB)} MiB | ${fmt(s.peakRss / MB)} MiB | ${fmt(s.idleRss / MB)} MiB | ${fmt(s.cpuPerFrameUs, 1)} µs |`,
    );
  }
  console.log(
    `\nCallscope ÷ bare frames/s = ${ratio.toFixed(2)}× (target ≥ ${TARGET_RATIO}×): ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`,
  );
  if (opts.cpuProfDir) console.log(`CPU profiles of the server children: ${opts.cpuProfDir}`);
  return 0;
}

// Only as a script: scale.ts imports the client helpers above without running this benchmark.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) {
  const timeoutS = (() => {
    try {
      return parseArgs(process.argv.slice(2)).timeoutS;
    } catch {
      return 600;
    }
  })();
  runBench('bench:ingest', main, timeoutS, cleanupAll);
}
