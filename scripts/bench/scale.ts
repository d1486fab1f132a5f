/**
 * `npm run bench:scale` (issue 13, item 8): Callscope at scale, side by side with a bare `ws` server measured in
 * the same run (`bare-ws-server.ts`: appends each frame to a file, nothing else).
 *
 * Servers: Callscope's built server (server.ts bundled as `npm run build:server` does it, into a temp dir, so it is
 * the current sources as production runs them; `--source` runs the sources through tsx instead), ingest only
 * (`startServer({withNext: false})`), in `scale-server-child.ts`, NODE_ENV=production, UV_THREADPOOL_SIZE=16 as
 * `npm start`, log level info, JWT auth on, /metrics on a port of its own, a fresh database per run (system
 * PostgreSQL at 127.0.0.1:5432 unless DATABASE_URL is set; embedded as a last resort) and data directory. All
 * clients come from loopback, so the per-address connection limits are off (CALLSCOPE_INGEST_MAX_CONNECTIONS_PER_
 * ADDRESS=0, ..._CONNECTIONS_PER_SECOND_PER_ADDRESS=0); every client has its own token and session, two per
 * conference. Children run with `ulimit -n 65536`.
 *
 * Parts (`--only scale,saturation,nodes,hour`; all by default):
 *  1. scale: for each of `--clients` (1000,5000,10000): Callscope, then bare, each with that many clients ramped up
 *     over 2–10 s (1,000 a second), each sending its set-up frames, then one getStats frame a second for
 *     `--seconds` (60) s, then closing with 1000. Figures: frame-to-disk (send → the write that put the frame in
 *     the file resolved: page cache) and frame-to-durable (→ the fdatasync covering it resolved), every frame, from
 *     the child's FileHandle probe (bare: its write callbacks); server RSS (peak of /proc VmRSS sampled every
 *     200 ms from the ramp until processing ended) and CPU (/proc utime+stime, all threads) during the load and
 *     after it; `callscope_live_analysis_lag_seconds` and `_backlog_bytes` sampled every 2 s during the load,
 *     `_detached_total` at the end; session end latency (client close → the row's `session_end`, and → when the
 *     row was written: a bench trigger stamps clock_timestamp() when `session_end` is set) and final analysis
 *     latency (close → `features_processing_stop`); sessions processed within `--settle` (30) s of the last close;
 *     error (pino level ≥ 50) and warn lines of the server's log.
 *  2. saturation: 50 clients replaying 2,000 frames each as fast as the socket takes them (ingest.ts's `replay`),
 *     `--rounds` (3) rounds back to back on one server, so the previous rounds' sessions are being processed
 *     during the next; frames/s = frames ÷ (first send → last frame durable; bare: written), per round, as a
 *     ratio to the bare server's same round.
 *  3. hour: one hour-long session analysed live against the same dump analysed once (scale-hour.ts, a child).
 *  4. nodes: 400 clients × 250 frames as fast as possible on one node, then split between two nodes sharing one
 *     database (host identifiers scale-a / scale-b, data directories of their own): ingest frames/s and processing
 *     throughput (sessions ÷ first close → last `features_processing_stop`).
 *
 * Options: --only PARTS, --clients N,N,..., --seconds N, --settle S, --rounds N, --saturation CxF (50x2000),
 * --nodes CxF (400x250), --source, --timeout S (1500), --cpu-prof DIR (V8 profiles of the Callscope children),
 * --logs DIR (copies of their logs).
 * Exit code 0 whether or not the targets are met (a benchmark); 1 when it could not run.
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE } from '../../test/helpers/fixtures';
import { benchAdminDatabase, createBenchDatabase, runSql } from './bench-database';
import { runBench } from './bench-process';
import { type ClientRun, machineCpu } from './ingest';
import type { ChildResults } from './ingest-protocol';
import { formatCount as fmt, median, quantile } from './report';
import {
  clientSpecs,
  fastRound,
  loadScaleFixtures,
  type PacedResult,
  pacedClient,
  SECRET,
  type ScaleFixture,
} from './scale-clients';
import { type HourResults, hourRatios } from './scale-hour';
import {
  buildServer,
  childFileLimit,
  type Child,
  cleanupAll,
  countLogLines,
  freePort,
  listenOverflows,
  type LogCounts,
  metricSeries,
  metricSum,
  onCleanup,
  otherLoad,
  processCpuMs,
  ROOT,
  rssSampler,
  scrapeMetrics,
  sleep,
  startChild,
  tempDir,
  undo,
} from './scale-runner';
import type { ScaleDiskRecord } from './scale-server-child';

const PARTS = ['scale', 'saturation', 'nodes', 'hour'] as const;
type Part = (typeof PARTS)[number];
const HOUR = { rounds: 5, fixedRounds: 1 };
const METRICS_EVERY_MS = 2000;
/** Open files a server has besides its clients' (database pool, log, metrics server, modules...). */
const FILES_BESIDES_CLIENTS = 200;
const TARGETS = {
  p99DiskMs: 250,
  p99DurableMs: 1000,
  rssBytes: 1.5e9,
  lagP99S: 10,
  p99Disk10kMs: 1000,
  saturation: 0.8,
  hour: 1.3,
};
const MB = 1e6;

interface Load {
  clients: number;
  frames: number;
}

interface Options {
  only: Set<Part>;
  /** Parts 2 and 4: clients × frames each, replayed as fast as possible. */
  saturation: Load;
  nodes: Load;
  clients: number[];
  seconds: number;
  settleS: number;
  rounds: number;
  source: boolean;
  timeoutS: number;
  /** V8 CPU profiles of every Callscope child (all threads, whole life), one directory per server. */
  cpuProfDir?: string;
  /** Copies of every Callscope server's log. */
  logsDir?: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    only: new Set(PARTS),
    saturation: { clients: 50, frames: 2000 },
    nodes: { clients: 400, frames: 250 },
    clients: [1000, 5000, 10000],
    seconds: 60,
    settleS: 30,
    rounds: 3,
    source: false,
    timeoutS: 1500,
  };
  const int = (name: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') {
      const parts = (argv[++i] ?? '').split(',').filter(Boolean);
      for (const p of parts)
        if (!PARTS.includes(p as Part)) throw new Error(`--only: unknown part ${p} (${PARTS.join(',')})`);
      opts.only = new Set(parts as Part[]);
    } else if (arg === '--clients') opts.clients = (argv[++i] ?? '').split(',').map((v) => int(arg, v));
    else if (arg === '--seconds') opts.seconds = int(arg, argv[++i]);
    else if (arg === '--saturation' || arg === '--nodes') {
      const [clients, frames] = (argv[++i] ?? '').split('x').map((v) => int(arg, v));
      opts[arg === '--saturation' ? 'saturation' : 'nodes'] = { clients, frames };
    } else if (arg === '--settle') opts.settleS = int(arg, argv[++i]);
    else if (arg === '--rounds') opts.rounds = int(arg, argv[++i]);
    else if (arg === '--timeout') opts.timeoutS = int(arg, argv[++i]);
    else if (arg === '--source') opts.source = true;
    else if (arg === '--cpu-prof') opts.cpuProfDir = path.resolve(argv[++i] ?? '');
    else if (arg === '--logs') opts.logsDir = path.resolve(argv[++i] ?? '');
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

// -------------------------------------------------------------------------------------------------------------
// Shared state of one bench run

interface Bench {
  opts: Options;
  admin: string;
  stamp: string;
  /** The built server's server.js; undefined: the sources through tsx. */
  entry?: string;
  fixtures: ScaleFixture[];
}

/** Before each server run: what earlier runs left written out (PostgreSQL checkpoint, kernel sync). */
async function settle(bench: Bench): Promise<void> {
  await runSql(bench.admin, 'CHECKPOINT').catch(() => {});
  spawnSync('sync');
}

function note(message: string): void {
  const others = otherLoad();
  console.log(
    `  ${new Date().toISOString().slice(11, 19)} ${message}  (load avg ${os.loadavg()[0].toFixed(2)}${others.length ? `; also running: ${others.join(', ')}` : ''})`,
  );
}

// -------------------------------------------------------------------------------------------------------------
// Callscope servers

interface Node {
  child: Child;
  dir: string;
  metricsPort: number;
}

interface CallscopeRun {
  label: string;
  dbUrl: string;
  nodes: Node[];
  drop: () => Promise<void>;
}

/** Stamps when each row got its session_end (the row's write, as PostgreSQL saw it). */
const END_TRIGGER = `
CREATE TABLE bench_session_ended (id bigint PRIMARY KEY, at timestamptz NOT NULL);
CREATE FUNCTION bench_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO bench_session_ended VALUES (NEW.id, clock_timestamp()) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER bench_session_ended AFTER UPDATE OF session_end ON "rtcstats-server" FOR EACH ROW
  WHEN (OLD.session_end IS NULL AND NEW.session_end IS NOT NULL) EXECUTE FUNCTION bench_session_ended();`;

async function startCallscope(bench: Bench, label: string, count: number, env: Record<string, string> = {}) {
  await settle(bench);
  const db = await createBenchDatabase(bench.admin, `callscope_scale_${bench.stamp}_${label}`);
  onCleanup(db.drop);
  const nodes: Node[] = [];
  for (let n = 0; n < count; n++) {
    const dir = await tempDir(`callscope-scale-${label}-`);
    const metricsPort = await freePort();
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      UV_THREADPOOL_SIZE: '16',
      DATABASE_URL: db.url,
      CALLSCOPE_DATA_DIR: path.join(dir, 'data'),
      CALLSCOPE_JWT_SECRET: SECRET,
      CALLSCOPE_HOST_IDENTIFIER: `scale-${String.fromCharCode(97 + n)}`,
      PORT: '0',
      HOST: '127.0.0.1',
      CALLSCOPE_LOG_LEVEL: process.env.CALLSCOPE_LOG_LEVEL ?? 'info',
      CALLSCOPE_METRICS_PORT: String(metricsPort),
      CALLSCOPE_INGEST_MAX_CONNECTIONS_PER_ADDRESS: '0',
      CALLSCOPE_INGEST_CONNECTIONS_PER_SECOND_PER_ADDRESS: '0',
      ...env,
    };
    if (bench.entry) childEnv.BENCH_SERVER_ENTRY = bench.entry;
    else delete childEnv.BENCH_SERVER_ENTRY;
    const profile = bench.opts.cpuProfDir
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(bench.opts.cpuProfDir, `${label}-${n}`)}`]
      : [];
    const child = await startChild('scale-server-child.ts', [], childEnv, path.join(dir, 'server.log'), profile);
    onCleanup(child.kill);
    nodes.push({ child, dir, metricsPort });
  }
  await runSql(db.url, END_TRIGGER);
  return { label, dbUrl: db.url, nodes, drop: db.drop } satisfies CallscopeRun;
}

/** Results file, orderly close, log counts; then the database is dropped. */
async function stopCallscope(
  bench: Bench,
  run: CallscopeRun,
): Promise<{ disk: Map<string, ScaleDiskRecord>; logs: LogCounts }> {
  const disk = new Map<string, ScaleDiskRecord>();
  const logs: LogCounts = { errors: 0, warns: 0, messages: new Map() };
  await Promise.all(
    run.nodes.map(async (node) => {
      const resultsFile = path.join(node.dir, 'results.json');
      node.child.send({ type: 'stop', resultsFile });
      await node.child.next('done', 120_000);
      for (const r of JSON.parse(await readFile(resultsFile, 'utf8')) as ScaleDiskRecord[]) disk.set(r.conn, r);
      // Nothing is measured after this: the orderly close gets a few seconds, then the process is killed (with
      // --cpu-prof a minute: the profiles are written at exit).
      await Promise.race([node.child.exited, sleep(bench.opts.cpuProfDir ? 60_000 : 5_000)]);
      await undo(node.child.kill);
      if (bench.opts.logsDir) {
        await mkdir(bench.opts.logsDir, { recursive: true });
        await copyFile(
          node.child.logFile,
          path.join(bench.opts.logsDir, `${run.label}-${run.nodes.indexOf(node)}.log`),
        );
      }
      const counts = await countLogLines(node.child.logFile);
      logs.errors += counts.errors;
      logs.warns += counts.warns;
      for (const [k, v] of counts.messages) logs.messages.set(k, (logs.messages.get(k) ?? 0) + v);
    }),
  );
  await undo(run.drop);
  return { disk, logs };
}

interface MetricsSample {
  at: number;
  lagS: number;
  backlogBytes: number;
  detached: number;
  queueDepth: number;
  eventLoopP99S: number;
  poolWaiting: number;
}

/** Scrapes every node's /metrics every 2 s until stopped (lag: the worst node's; backlog, depth: summed). */
function metricsSampler(ports: number[]) {
  const samples: MetricsSample[] = [];
  let failures = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const next = Date.now() + METRICS_EVERY_MS;
      const scrapes = await Promise.all(ports.map((p) => scrapeMetrics(p).catch(() => null)));
      if (scrapes.some((s) => s === null)) failures++;
      const ok = scrapes.filter((s): s is Map<string, number> => s !== null);
      if (ok.length > 0) {
        samples.push({
          at: Date.now(),
          lagS: Math.max(...ok.map((m) => metricSum(m, 'callscope_live_analysis_lag_seconds'))),
          backlogBytes: ok.reduce((n, m) => n + metricSum(m, 'callscope_live_analysis_backlog_bytes'), 0),
          detached: ok.reduce((n, m) => n + metricSum(m, 'callscope_live_analysis_detached_total'), 0),
          queueDepth: ok.reduce((n, m) => n + metricSum(m, 'callscope_queue_depth'), 0),
          eventLoopP99S: Math.max(...ok.map((m) => metricSum(m, 'nodejs_eventloop_lag_p99_seconds'))),
          poolWaiting: Math.max(...ok.map((m) => metricSum(m, 'callscope_db_pool_waiting_queries'))),
        });
      }
      while (!stopped && Date.now() < next) await sleep(Math.min(200, next - Date.now()));
    }
  })();
  return {
    samples,
    get failures() {
      return failures;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

interface SessionRow {
  conn: string;
  host: string | null;
  status: string;
  endMs: number | null;
  writtenMs: number | null;
  stopMs: number | null;
  error: string | null;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

const PROCESSED = `s.status <> 'live' AND s.features_processing_stop >= COALESCE(e.at, s.session_end)`;

/** Waits until `expected` sessions are processed (or `settleS` passed); when that happened. */
async function waitProcessed(url: string, expected: number, settleS: number) {
  const deadline = Date.now() + settleS * 1000;
  let last = { ended: 0, processed: 0 };
  for (;;) {
    const [row] = await query<{ ended: number; processed: number }>(
      url,
      `SELECT count(*) FILTER (WHERE s.status <> 'live')::int AS ended, count(*) FILTER (WHERE ${PROCESSED})::int AS processed
       FROM "rtcstats-server" s LEFT JOIN bench_session_ended e ON e.id = s.id`,
    );
    last = row;
    if (row.processed >= expected || Date.now() >= deadline)
      return { ...last, at: Date.now(), complete: row.processed >= expected };
    await sleep(1000);
  }
}

async function sessionRows(url: string): Promise<Map<string, SessionRow>> {
  const rows = await query<SessionRow>(
    url,
    `SELECT s.rtcstats_session AS conn, s.host_identifier AS host, s.status,
       (extract(epoch FROM s.session_end) * 1000)::float8 AS "endMs",
       (extract(epoch FROM e.at) * 1000)::float8 AS "writtenMs",
       CASE WHEN ${PROCESSED} THEN (extract(epoch FROM s.features_processing_stop) * 1000)::float8 END AS "stopMs",
       s.processing_error AS error
     FROM "rtcstats-server" s LEFT JOIN bench_session_ended e ON e.id = s.id`,
  );
  return new Map(rows.map((r) => [r.conn, r]));
}

// -------------------------------------------------------------------------------------------------------------
// Matching sends with disk events

interface Latencies {
  frames: number;
  p50: number;
  p99: number;
  max: number;
  /** Latest disk event used (ms, nowMs clock). */
  last: number;
}

class LatencyCollector {
  private values: number[] = [];
  private last = 0;
  /**
   * `pairs`: flattened `[frames covered, time]`; frames past the last event are not counted, nor (in the figures)
   * the first `skip`. Returns the frames found on disk.
   */
  add(sendTimes: ArrayLike<number>, sent: number, pairs: ArrayLike<number> | undefined, skip = 0): number {
    if (!pairs) return 0;
    let e = 0;
    let matched = 0;
    for (let i = 0; i < sent; i++) {
      while (e < pairs.length && pairs[e] < i + 1) e += 2;
      if (e >= pairs.length) break;
      const at = pairs[e + 1];
      if (i >= skip) this.values.push(at - sendTimes[i]);
      if (at > this.last) this.last = at;
      matched++;
    }
    return matched;
  }
  result(): Latencies {
    const sorted = Float64Array.from(this.values).sort();
    return {
      frames: sorted.length,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
      last: this.last,
    };
  }
}

const flatEvents = (events: [number, number][]) => events.flat();

/** p50/p99 of latencies; `missing` sessions that never got there count as later than any (shown as "> …"). */
function percentiles(
  values: number[],
  missing = 0,
): { n: number; missing: number; p50: number; p99: number; max: number } {
  const sorted = Float64Array.from([...values, ...Array<number>(missing).fill(Number.POSITIVE_INFINITY)]).sort();
  return {
    n: values.length,
    missing,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

// -------------------------------------------------------------------------------------------------------------
// Part 1: scale

interface LoadFigures {
  clients: number;
  connected: number;
  failed: Map<string, number>;
  sent: number;
  stored: number;
  disk: Latencies;
  /** Callscope only. */
  durable?: Latencies;
  /** The same without each client's set-up frames (sent at once when it opens): the steady one-a-second frames. */
  pacedDisk: Latencies;
  pacedDurable?: Latencies;
  idleRss: number;
  peakRss: number;
  lifetimeRss: number;
  loadMs: number;
  cpuLoadMs: number;
  clientCpuMs: number;
  machineBusyMs?: number;
  machineMs?: number;
  /** Connections the kernel dropped for a full listen queue during the load (whole machine). */
  listenOverflows: number;
  /** Open requested → socket open, of the clients that opened. */
  connect: ReturnType<typeof percentiles>;
}

interface ScaleCallscope extends LoadFigures {
  cpuAfterMs: number;
  lag: { maxS: number; p99S: number; samples: number; failures: number };
  backlogMaxBytes: number;
  detached: string[];
  detachedTotal: number;
  eventLoopP99MaxS: number;
  poolWaitingMax: number;
  queueDepthMax: number;
  endColumn: ReturnType<typeof percentiles>;
  endWritten: ReturnType<typeof percentiles>;
  final: ReturnType<typeof percentiles>;
  expected: number;
  processed: number;
  processingErrors: number;
  processedAfterS: number;
  complete: boolean;
  logs: LogCounts;
}

const rampMs = (clients: number) => Math.min(10_000, Math.max(2_000, clients));

function tallyFailures(results: PacedResult[]): Map<string, number> {
  const failed = new Map<string, number>();
  for (const r of results) {
    const why = r.error ?? (r.closeCode !== 1000 ? `close ${r.closeCode}` : undefined);
    if (why) failed.set(why, (failed.get(why) ?? 0) + 1);
  }
  return failed;
}

async function pacedLoad(specs: Awaited<ReturnType<typeof clientSpecs>>, seconds: number) {
  const ramp = rampMs(specs.length);
  const start = Date.now() + 300;
  return Promise.all(specs.map((s, i) => pacedClient(s, seconds, start + (i * ramp) / specs.length)));
}

async function scaleCallscope(bench: Bench, clients: number): Promise<ScaleCallscope> {
  const label = `s${clients}`;
  const run = await startCallscope(bench, label, 1);
  const node = run.nodes[0];
  const specs = await clientSpecs(bench.fixtures, label, clients, [`ws://127.0.0.1:${node.child.port}`]);
  const rss = rssSampler(node.child.pid);
  const sampler = metricsSampler([node.metricsPort]);
  const cpu0 = processCpuMs(node.child.pid);
  const client0 = process.cpuUsage();
  const machine0 = await machineCpu();
  const overflows0 = listenOverflows();
  const t0 = Date.now();
  const results = await pacedLoad(specs, bench.opts.seconds);
  const loadMs = Date.now() - t0;
  const cpu1 = processCpuMs(node.child.pid);
  const client1 = process.cpuUsage(client0);
  const machine1 = await machineCpu();
  const overflows = listenOverflows() - overflows0;
  await sampler.stop();
  note(`  load done after ${fmt(loadMs / 1000)} s; waiting for processing`);
  const expected = results.filter((r) => r.sent > 0).length;
  const processing = await waitProcessed(run.dbUrl, expected, bench.opts.settleS);
  note(`  ${fmt(processing.processed)} / ${fmt(expected)} processed; stopping`);
  const cpu2 = processCpuMs(node.child.pid);
  const peakRss = rss.peak;
  const lifetimeRss = rss.lifetimePeak();
  rss.stop();
  const final = await scrapeMetrics(node.metricsPort).catch(() => new Map<string, number>());
  const rows = await sessionRows(run.dbUrl);
  const { disk, logs } = await stopCallscope(bench, run);

  const written = new LatencyCollector();
  const durable = new LatencyCollector();
  const pacedWritten = new LatencyCollector();
  const pacedDurable = new LatencyCollector();
  const endColumn: number[] = [];
  const endWritten: number[] = [];
  const finals: number[] = [];
  let stored = 0;
  let processingErrors = 0;
  let opened = 0;
  for (const r of results) {
    if (r.sent > 0) opened++;
    const d = disk.get(r.conn);
    stored += written.add(r.sendTimes, r.sent, d?.writes);
    durable.add(r.sendTimes, r.sent, d?.syncs);
    pacedWritten.add(r.sendTimes, r.sent, d?.writes, r.setupFrames);
    pacedDurable.add(r.sendTimes, r.sent, d?.syncs, r.setupFrames);
    const row = rows.get(r.conn);
    if (!row || Number.isNaN(r.closeAt)) continue;
    if (row.error) processingErrors++;
    if (row.endMs !== null) endColumn.push(row.endMs - r.closeAt);
    if (row.writtenMs !== null) endWritten.push(row.writtenMs - r.closeAt);
    if (row.stopMs !== null) finals.push(row.stopMs - r.closeAt);
  }
  const lags = Float64Array.from(sampler.samples.map((s) => s.lagS)).sort();
  const max = (f: (s: MetricsSample) => number) => Math.max(0, ...sampler.samples.map(f));
  return {
    clients,
    connected: results.filter((r) => r.sent > 0).length,
    failed: tallyFailures(results),
    sent: results.reduce((n, r) => n + r.sent, 0),
    stored,
    disk: written.result(),
    durable: durable.result(),
    pacedDisk: pacedWritten.result(),
    pacedDurable: pacedDurable.result(),
    idleRss: node.child.idleRss,
    peakRss,
    lifetimeRss,
    loadMs,
    cpuLoadMs: cpu1 - cpu0,
    cpuAfterMs: cpu2 - cpu1,
    clientCpuMs: (client1.user + client1.system) / 1000,
    machineBusyMs: machine0 && machine1 ? machine1.busy - machine0.busy : undefined,
    machineMs: machine0 && machine1 ? machine1.total - machine0.total : undefined,
    listenOverflows: overflows,
    connect: percentiles(results.filter((r) => r.sent > 0).map((r) => r.connectMs)),
    lag: {
      maxS: lags.length ? lags[lags.length - 1] : Number.NaN,
      p99S: quantile(lags, 0.99),
      samples: lags.length,
      failures: sampler.failures,
    },
    backlogMaxBytes: max((s) => s.backlogBytes),
    detached: metricSeries(final, 'callscope_live_analysis_detached_total'),
    detachedTotal: metricSum(final, 'callscope_live_analysis_detached_total'),
    eventLoopP99MaxS: max((s) => s.eventLoopP99S),
    poolWaitingMax: max((s) => s.poolWaiting),
    queueDepthMax: max((s) => s.queueDepth),
    endColumn: percentiles(endColumn, opened - endColumn.length),
    endWritten: percentiles(endWritten, opened - endWritten.length),
    final: percentiles(finals, opened - finals.length),
    expected,
    processed: processing.processed,
    processingErrors,
    processedAfterS: (processing.at - (t0 + loadMs)) / 1000,
    complete: processing.complete,
    logs,
  };
}

async function startBare(label: string): Promise<{ child: Child; dir: string }> {
  const dir = await tempDir(`callscope-scale-bare-${label}-`);
  const child = await startChild(
    'bare-ws-server.ts',
    [path.join(dir, 'out')],
    { ...process.env },
    path.join(dir, 'server.log'),
  );
  onCleanup(child.kill);
  return { child, dir };
}

/** The bare server's results once `connections` connections finished (then it exits). */
async function stopBare(bare: { child: Child; dir: string }, connections: number): Promise<ChildResults> {
  bare.child.send({ type: 'start', expectedConnections: connections });
  const resultsFile = path.join(bare.dir, 'results.json');
  bare.child.send({ type: 'stop', resultsFile });
  await bare.child.next('done', 120_000);
  const results = JSON.parse(await readFile(resultsFile, 'utf8')) as ChildResults;
  await Promise.race([bare.child.exited, sleep(10_000)]);
  await undo(bare.child.kill);
  return results;
}

async function scaleBare(bench: Bench, clients: number): Promise<LoadFigures> {
  await settle(bench);
  const bare = await startBare(`s${clients}`);
  const specs = await clientSpecs(bench.fixtures, `b${clients}`, clients, [`ws://127.0.0.1:${bare.child.port}`]);
  const rss = rssSampler(bare.child.pid);
  const cpu0 = processCpuMs(bare.child.pid);
  const client0 = process.cpuUsage();
  const machine0 = await machineCpu();
  const overflows0 = listenOverflows();
  const t0 = Date.now();
  const results = await pacedLoad(specs, bench.opts.seconds);
  const loadMs = Date.now() - t0;
  const cpu1 = processCpuMs(bare.child.pid);
  const client1 = process.cpuUsage(client0);
  const machine1 = await machineCpu();
  const overflows = listenOverflows() - overflows0;
  const peakRss = rss.peak;
  const lifetimeRss = rss.lifetimePeak();
  rss.stop();
  const server = await stopBare(bare, results.filter((r) => r.sent > 0).length);
  const byConn = new Map(server.connections.map((c) => [c.conn, flatEvents(c.events)]));
  const written = new LatencyCollector();
  const paced = new LatencyCollector();
  let stored = 0;
  for (const r of results) {
    stored += written.add(r.sendTimes, r.sent, byConn.get(r.conn));
    paced.add(r.sendTimes, r.sent, byConn.get(r.conn), r.setupFrames);
  }
  return {
    clients,
    connected: results.filter((r) => r.sent > 0).length,
    failed: tallyFailures(results),
    sent: results.reduce((n, r) => n + r.sent, 0),
    stored,
    disk: written.result(),
    pacedDisk: paced.result(),
    idleRss: bare.child.idleRss,
    peakRss,
    lifetimeRss,
    loadMs,
    cpuLoadMs: cpu1 - cpu0,
    clientCpuMs: (client1.user + client1.system) / 1000,
    machineBusyMs: machine0 && machine1 ? machine1.busy - machine0.busy : undefined,
    machineMs: machine0 && machine1 ? machine1.total - machine0.total : undefined,
    listenOverflows: overflows,
    connect: percentiles(results.filter((r) => r.sent > 0).map((r) => r.connectMs)),
  };
}

// -------------------------------------------------------------------------------------------------------------
// Parts 2 and 4: replaying as fast as possible

interface FastRound {
  frames: number;
  stored: number;
  framesPerSec: number;
  /** Callscope: to the last frame durable; this one to the last frame written (page cache). */
  writtenFramesPerSec: number;
  p50: number;
  p99: number;
  cpuMs: number;
  /** Callscope: sessions of earlier rounds not yet processed when this round started. */
  unprocessedAtStart?: number;
}

function fastFigures(
  round: { t0: number; runs: ClientRun[] },
  primary: (conn: string) => ArrayLike<number> | undefined,
  written: (conn: string) => ArrayLike<number> | undefined,
  cpuMs: number,
): FastRound {
  const main = new LatencyCollector();
  const page = new LatencyCollector();
  let frames = 0;
  let stored = 0;
  for (const r of round.runs) {
    frames += r.frames.length;
    stored += main.add(r.sendTimes, r.frames.length, primary(r.conn));
    page.add(r.sendTimes, r.frames.length, written(r.conn));
  }
  const m = main.result();
  const p = page.result();
  return {
    frames,
    stored,
    framesPerSec: frames / ((m.last - round.t0) / 1000),
    writtenFramesPerSec: frames / ((p.last - round.t0) / 1000),
    p50: m.p50,
    p99: m.p99,
    cpuMs,
  };
}

const SATURATION_ENV = { CALLSCOPE_INGEST_FRAMES_PER_SECOND: '0', CALLSCOPE_INGEST_BYTES_PER_SECOND: '0' };

async function unprocessed(url: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    url,
    `SELECT count(*) FILTER (WHERE NOT (${PROCESSED}))::int AS n FROM "rtcstats-server" s LEFT JOIN bench_session_ended e ON e.id = s.id`,
  );
  return row.n;
}

interface Saturation {
  callscope: FastRound[];
  bare: FastRound[];
  processedAfterS: number;
  processed: number;
  expected: number;
  detached: string[];
  logs: LogCounts;
  peakRss: number;
}

async function saturation(bench: Bench): Promise<Saturation> {
  const { rounds } = bench.opts;
  const run = await startCallscope(bench, 'sat', 1, SATURATION_ENV);
  const node = run.nodes[0];
  const rss = rssSampler(node.child.pid);
  const csRounds: { round: { t0: number; runs: ClientRun[] }; cpuMs: number; unprocessedAtStart: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const specs = await clientSpecs(bench.fixtures, `sat${r}`, bench.opts.saturation.clients, [
      `ws://127.0.0.1:${node.child.port}`,
    ]);
    const unprocessedAtStart = await unprocessed(run.dbUrl);
    const cpu0 = processCpuMs(node.child.pid);
    const round = await fastRound(specs, bench.opts.saturation.frames);
    csRounds.push({ round, cpuMs: processCpuMs(node.child.pid) - cpu0, unprocessedAtStart });
  }
  const lastClose = Date.now();
  const processing = await waitProcessed(run.dbUrl, rounds * bench.opts.saturation.clients, bench.opts.settleS);
  const peakRss = rss.peak;
  rss.stop();
  const final = await scrapeMetrics(node.metricsPort).catch(() => new Map<string, number>());
  const { disk, logs } = await stopCallscope(bench, run);
  note('saturation: Callscope rounds done');

  await settle(bench);
  const bare = await startBare('sat');
  const bareRounds: { round: { t0: number; runs: ClientRun[] }; cpuMs: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const specs = await clientSpecs(bench.fixtures, `bsat${r}`, bench.opts.saturation.clients, [
      `ws://127.0.0.1:${bare.child.port}`,
    ]);
    const cpu0 = processCpuMs(bare.child.pid);
    const round = await fastRound(specs, bench.opts.saturation.frames);
    bareRounds.push({ round, cpuMs: processCpuMs(bare.child.pid) - cpu0 });
  }
  const server = await stopBare(bare, rounds * bench.opts.saturation.clients);
  const bareEvents = new Map(server.connections.map((c) => [c.conn, flatEvents(c.events)]));
  return {
    callscope: csRounds.map((x) => ({
      ...fastFigures(
        x.round,
        (c) => disk.get(c)?.syncs,
        (c) => disk.get(c)?.writes,
        x.cpuMs,
      ),
      unprocessedAtStart: x.unprocessedAtStart,
    })),
    bare: bareRounds.map((x) =>
      fastFigures(
        x.round,
        (c) => bareEvents.get(c),
        (c) => bareEvents.get(c),
        x.cpuMs,
      ),
    ),
    processedAfterS: (processing.at - lastClose) / 1000,
    processed: processing.processed,
    expected: rounds * bench.opts.saturation.clients,
    detached: metricSeries(final, 'callscope_live_analysis_detached_total'),
    logs,
    peakRss,
  };
}

interface NodesRun {
  nodes: number;
  round: FastRound;
  processed: number;
  expected: number;
  /** First client close → last features_processing_stop. */
  processingSpanS: number;
  sessionsPerSec: number;
  final: ReturnType<typeof percentiles>;
  byHost: Map<string, number>;
  detached: number;
  logs: LogCounts;
}

async function nodesRun(bench: Bench, count: number): Promise<NodesRun> {
  const run = await startCallscope(bench, `n${count}`, count, SATURATION_ENV);
  const bases = run.nodes.map((n) => `ws://127.0.0.1:${n.child.port}`);
  const specs = await clientSpecs(bench.fixtures, `n${count}`, bench.opts.nodes.clients, bases);
  const cpu0 = run.nodes.map((n) => processCpuMs(n.child.pid));
  const round = await fastRound(specs, bench.opts.nodes.frames);
  const cpuMs = run.nodes.reduce((sum, n, i) => sum + processCpuMs(n.child.pid) - cpu0[i], 0);
  const processing = await waitProcessed(run.dbUrl, bench.opts.nodes.clients, bench.opts.settleS);
  const rows = await sessionRows(run.dbUrl);
  const scrapes = await Promise.all(
    run.nodes.map((n) => scrapeMetrics(n.metricsPort).catch(() => new Map<string, number>())),
  );
  const { disk, logs } = await stopCallscope(bench, run);
  const closes = round.runs.map((r) => r.sendTimes[r.frames.length - 1]);
  const firstClose = Math.min(...closes);
  const finals: number[] = [];
  let lastStop = firstClose;
  const byHost = new Map<string, number>();
  for (const [i, r] of round.runs.entries()) {
    const row = rows.get(r.conn);
    if (row?.stopMs == null) continue;
    finals.push(row.stopMs - closes[i]);
    lastStop = Math.max(lastStop, row.stopMs);
    byHost.set(row.host ?? '?', (byHost.get(row.host ?? '?') ?? 0) + 1);
  }
  const span = (lastStop - firstClose) / 1000;
  return {
    nodes: count,
    round: fastFigures(
      round,
      (c) => disk.get(c)?.syncs,
      (c) => disk.get(c)?.writes,
      cpuMs,
    ),
    processed: processing.processed,
    expected: bench.opts.nodes.clients,
    processingSpanS: span,
    sessionsPerSec: finals.length / span,
    final: percentiles(finals, bench.opts.nodes.clients - finals.length),
    byHost,
    detached: scrapes.reduce((n, m) => n + metricSum(m, 'callscope_live_analysis_detached_total'), 0),
    logs,
  };
}

// -------------------------------------------------------------------------------------------------------------
// Part 3: the hour-long session (a child of its own: a fresh heap)

function hourPart(): Promise<HourResults> {
  return new Promise((resolve, reject) => {
    const child = fork(
      path.join(ROOT, 'scripts/bench/scale-hour.ts'),
      ['--rounds', String(HOUR.rounds), '--fixed-rounds', String(HOUR.fixedRounds)],
      { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    onCleanup(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    child.once('message', (m) => resolve(m as HourResults));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`scale-hour.ts exited with ${code}`));
    });
  });
}

// -------------------------------------------------------------------------------------------------------------
// Report

const ms = (v: number) => (Number.isFinite(v) ? `${fmt(v, v < 10 ? 1 : 0)} ms` : '–');
const sec = (v: number) => (Number.isFinite(v) ? `${fmt(v, v < 10 ? 2 : 1)} s` : '–');
const mb = (v: number) => (Number.isFinite(v) ? `${fmt(v / MB)} MB` : '–');
const late = (v: number, settleS: number) => (v === Number.POSITIVE_INFINITY ? `> ${settleS} s` : ms(v));
/** p50 / p99, `> settle` for sessions that never got there (and how many). */
const lat = (p: { n: number; missing: number; p50: number; p99: number }, settleS: number) =>
  p.n + p.missing === 0
    ? '–'
    : `${late(p.p50, settleS)} / ${late(p.p99, settleS)}${p.missing ? ` (${fmt(p.missing)} not done)` : ''}`;
const failures = (m: Map<string, number>) => [...m].map(([k, v]) => `${fmt(v)}× ${k}`).join(', ') || 'none';
const topMessages = (logs: LogCounts, n = 6) =>
  [...logs.messages]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${fmt(v)}× ${k}`);

interface ScaleRow {
  clients: number;
  cs?: ScaleCallscope;
  bare?: LoadFigures;
  csError?: string;
  bareError?: string;
  /** Why no server can hold this many clients on this machine. */
  limit?: string;
}

function reportScale(rows: ScaleRow[], seconds: number, settleS: number, setup: string): void {
  console.log(
    `\n## 1. Scale: N clients × 1 getStats frame/s × ${seconds} s (every frame measured, each client's ${setup} set-up frames included)\n`,
  );
  console.log(
    '| clients | server | connected | frames sent / on disk | frame-to-disk p50 / p99 / max | frame-to-durable p50 / p99 / max | paced frames only: to disk, to durable p50 / p99 | connect p50 / p99 / max | RSS idle / peak | CPU during load | CPU / frame | client CPU | machine busy | listen overflows |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { clients, cs, bare, csError, bareError } of rows) {
    for (const [name, r, error] of [
      ['Callscope', cs, csError],
      ['bare ws', bare, bareError],
    ] as const) {
      if (!r) {
        console.log(`| ${fmt(clients)} | ${name} | ${error ?? 'failed'} |`);
        continue;
      }
      const durable = r.durable
        ? `${ms(r.durable.p50)} / ${ms(r.durable.p99)} / ${ms(r.durable.max)}`
        : 'n/a (no fsync)';
      const busy =
        r.machineBusyMs !== undefined && r.machineMs ? `${fmt((100 * r.machineBusyMs) / r.machineMs)} %` : '–';
      console.log(
        `| ${fmt(r.clients)} | ${name} | ${fmt(r.connected)}${r.failed.size ? ` (${failures(r.failed)})` : ''} | ${fmt(r.sent)} / ${fmt(r.stored)} | ` +
          `${ms(r.disk.p50)} / ${ms(r.disk.p99)} / ${ms(r.disk.max)} | ${durable} | ${ms(r.pacedDisk.p50)} / ${ms(r.pacedDisk.p99)}${r.pacedDurable ? `; ${ms(r.pacedDurable.p50)} / ${ms(r.pacedDurable.p99)}` : ''} | ${ms(r.connect.p50)} / ${ms(r.connect.p99)} / ${ms(r.connect.max)} | ${mb(r.idleRss)} / ${mb(r.peakRss)} | ` +
          `${sec(r.cpuLoadMs / 1000)} (${fmt((100 * r.cpuLoadMs) / r.loadMs)} % of a core) | ${fmt((1000 * r.cpuLoadMs) / Math.max(1, r.stored), 1)} µs | ` +
          `${sec(r.clientCpuMs / 1000)} | ${busy} | ${fmt(r.listenOverflows)} |`,
      );
    }
  }
  console.log('\nCallscope after the clients closed:\n');
  console.log(
    '| clients | live lag max / p99 (samples) | backlog max | detached | session end: column p50 / p99 | row written p50 / p99 | final analysis p50 / p99 | processed | all processed after close | CPU after close | error / warn lines | event-loop p99 max | pool waiting max | queue depth max |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { cs } of rows) {
    if (!cs) continue;
    console.log(
      `| ${fmt(cs.clients)} | ${sec(cs.lag.maxS)} / ${sec(cs.lag.p99S)} (${cs.lag.samples}${cs.lag.failures ? `, ${cs.lag.failures} failed` : ''}) | ` +
        `${mb(cs.backlogMaxBytes)} | ${fmt(cs.detachedTotal)}${cs.detached.length ? ` (${cs.detached.join(', ')})` : ''} | ` +
        `${lat(cs.endColumn, settleS)} | ${lat(cs.endWritten, settleS)} | ${lat(cs.final, settleS)} | ${fmt(cs.processed)} / ${fmt(cs.expected)}${cs.processingErrors ? ` (${cs.processingErrors} with errors)` : ''} | ` +
        `${cs.complete ? sec(cs.processedAfterS) : `not within ${sec(cs.processedAfterS)}`} | ${sec(cs.cpuAfterMs / 1000)} | ` +
        `${fmt(cs.logs.errors)} / ${fmt(cs.logs.warns)} | ${ms(cs.eventLoopP99MaxS * 1000)} | ${fmt(cs.poolWaitingMax)} | ${fmt(cs.queueDepthMax)} |`,
    );
  }
  for (const { limit, clients } of rows) if (limit) console.log(`\n  ${fmt(clients)} clients: ${limit}.`);
  for (const { cs } of rows) {
    if (!cs) continue;
    const top = topMessages(cs.logs);
    if (top.length) console.log(`\n  ${fmt(cs.clients)} clients, server log: ${top.join('; ')}`);
  }
}

function reportFast(title: string, rows: [string, FastRound][]): void {
  console.log(title);
  console.log(
    '| run | frames | frames/s (to durable) | frames/s (to written) | p50 / p99 to durable | server CPU | sessions unprocessed at start |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of rows) {
    console.log(
      `| ${name} | ${fmt(r.frames)}${r.stored < r.frames ? ` (${fmt(r.frames - r.stored)} not on disk)` : ''} | ${fmt(r.framesPerSec)} | ${fmt(r.writtenFramesPerSec)} | ` +
        `${ms(r.p50)} / ${ms(r.p99)} | ${sec(r.cpuMs / 1000)} | ${r.unprocessedAtStart ?? '–'} |`,
    );
  }
}

/** Callscope ÷ bare per round; the verdict uses the rounds after the first (processing overlapping). */
function saturationRatio(s: Saturation): { perRound: number[]; overlapping: number } {
  const perRound = s.callscope.map((r, i) => r.framesPerSec / s.bare[i].framesPerSec);
  const later = perRound.slice(1);
  return { perRound, overlapping: median(later.length ? later : perRound) };
}

function reportSaturation(s: Saturation, load: Load): void {
  reportFast(
    `\n## 2. Saturation: ${load.clients} clients × ${fmt(load.frames)} frames as fast as possible, ${s.callscope.length} rounds back to back\n`,
    [
      ...s.callscope.map((r, i): [string, FastRound] => [`Callscope round ${i + 1}`, r]),
      ...s.bare.map((r, i): [string, FastRound] => [`bare round ${i + 1} (written = durable: no fsync)`, r]),
    ],
  );
  const ratio = saturationRatio(s);
  console.log(
    `\nCallscope ÷ bare frames/s per round: ${ratio.perRound.map((r) => `${r.toFixed(2)}×`).join(', ')}; ` +
      `median of rounds 2+ (previous rounds being processed): ${ratio.overlapping.toFixed(2)}×. ` +
      `Callscope processed ${fmt(s.processed)} / ${fmt(s.expected)} sessions ${sec(s.processedAfterS)} after the last round; ` +
      `detached: ${s.detached.join(', ') || 'none'}; peak RSS ${mb(s.peakRss)}; log: ${fmt(s.logs.errors)} error / ${fmt(s.logs.warns)} warn lines` +
      (s.logs.messages.size ? ` (${topMessages(s.logs, 3).join('; ')})` : ''),
  );
}

function reportNodes(runs: NodesRun[], load: Load, settleS: number): void {
  reportFast(
    `\n## 4. Nodes: ${load.clients} clients × ${load.frames} frames as fast as possible, one node vs two sharing one database\n`,
    runs.map((r): [string, FastRound] => [`${r.nodes} node${r.nodes > 1 ? 's' : ''}`, r.round]),
  );
  console.log(
    '\n| run | processed | first close → last processed | sessions/s | final analysis p50 / p99 | by node | detached | error / warn lines |',
  );
  console.log('|---|---:|---:|---:|---:|---|---:|---:|');
  for (const r of runs) {
    console.log(
      `| ${r.nodes} node${r.nodes > 1 ? 's' : ''} | ${fmt(r.processed)} / ${fmt(r.expected)} | ${sec(r.processingSpanS)} | ${fmt(r.sessionsPerSec, 1)} | ` +
        `${lat(r.final, settleS)} | ${[...r.byHost].map(([h, n]) => `${h}: ${n}`).join(', ')} | ${fmt(r.detached)} | ${fmt(r.logs.errors)} / ${fmt(r.logs.warns)} |`,
    );
  }
  if (runs.length === 2) {
    const [one, two] = runs;
    console.log(
      `\ntwo nodes ÷ one: ingest ${(two.round.framesPerSec / one.round.framesPerSec).toFixed(2)}× frames/s, ` +
        `processing ${(two.sessionsPerSec / one.sessionsPerSec).toFixed(2)}× sessions/s`,
    );
  }
}

function reportHour(h: HourResults): void {
  const r = hourRatios(h);
  const med = (runs: HourResults['once']) => median(runs.map((x) => x.cpuMs));
  console.log(
    `\n## 3. One hour-long session: live vs once (${fmt(h.dumpBytes / MB, 2)} MB, ${fmt(h.minutes, 1)} min, ${fmt(h.chunks)} 1-s chunks; ` +
      `samples once ${fmt(h.samplesOnce)}, live ${fmt(h.samplesLive)})\n`,
  );
  console.log('| analysis | CPU (median) | runs | snapshots | × once |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| once: analyzeBuffer + pack | ${ms(med(h.once))} | ${h.once.length} | – | 1.00× |`);
  console.log(
    `| live, snapshotIntervalMs schedule + finish | ${ms(med(h.live))} | ${h.live.length} | ${h.live[0]?.snapshots ?? '–'} | ${r.live.toFixed(2)}× |`,
  );
  console.log(
    `| live, fixed 5 s snapshots + finish | ${ms(med(h.fixed))} | ${h.fixed.length} | ${h.fixed[0]?.snapshots ?? '–'} | ${r.fixed.toFixed(2)}× |`,
  );
  console.log(
    `\nlive state after forced GC: ${h.memory.map((m) => `${m.minutes} min: heap ${fmt(m.heapBytes / MB, 2)} MB + ArrayBuffers ${fmt(m.externalBytes / MB, 2)} MB`).join('; ')}`,
  );
}

type Verdict = [string, string, boolean | undefined];

function verdicts(scale: ScaleRow[], sat: Saturation | undefined, hour: HourResults | undefined): Verdict[] {
  const at = (n: number) => scale.find((r) => r.clients === n)?.cs;
  const s5 = at(5000);
  const s10 = at(10000);
  const v: Verdict[] = [];
  const add = (target: string, reached: string | undefined, met: boolean | undefined) =>
    v.push([target, reached ?? 'not run', met]);
  add(
    `5,000 clients: p99 frame-to-disk ≤ ${TARGETS.p99DiskMs} ms`,
    s5 && ms(s5.disk.p99),
    s5 && s5.disk.p99 <= TARGETS.p99DiskMs,
  );
  add(
    `5,000 clients: p99 frame-to-durable ≤ ${TARGETS.p99DurableMs} ms`,
    s5?.durable && ms(s5.durable.p99),
    s5?.durable && s5.durable.p99 <= TARGETS.p99DurableMs,
  );
  add('5,000 clients: server RSS ≤ 1.5 GB', s5 && mb(s5.peakRss), s5 && s5.peakRss <= TARGETS.rssBytes);
  add(
    `5,000 clients: live lag p99 ≤ ${TARGETS.lagP99S} s`,
    s5 && sec(s5.lag.p99S),
    s5 && s5.lag.p99S <= TARGETS.lagP99S,
  );
  add('5,000 clients: zero error lines', s5 && `${s5.logs.errors} error lines`, s5 && s5.logs.errors === 0);
  const held = s10 && s10.connected === s10.clients && s10.stored === s10.sent && s10.failed.size === 0;
  add(
    `10,000 clients held, p99 frame-to-disk ≤ ${TARGETS.p99Disk10kMs} ms`,
    s10 && `${fmt(s10.connected)} connected, ${fmt(s10.sent - s10.stored)} frames not on disk, p99 ${ms(s10.disk.p99)}`,
    s10 && held && s10.disk.p99 <= TARGETS.p99Disk10kMs,
  );
  const ratio = sat && saturationRatio(sat).overlapping;
  add(
    `saturation ≥ ${TARGETS.saturation}× bare, processing overlapping`,
    ratio === undefined ? undefined : `${ratio.toFixed(2)}×`,
    ratio === undefined ? undefined : ratio >= TARGETS.saturation,
  );
  const live = hour && hourRatios(hour).live;
  add(
    `live analysis ≤ ${TARGETS.hour}× the CPU of one analysis`,
    live === undefined ? undefined : `${live.toFixed(2)}×`,
    live === undefined ? undefined : live <= TARGETS.hour,
  );
  return v;
}

// -------------------------------------------------------------------------------------------------------------

/** Re-runs this bench with a raised open-file limit when the clients would not fit (each is a socket). */
function reexecForFiles(opts: Options): number | undefined {
  if (process.env.BENCH_SCALE_NOFILE === '1' || !opts.only.has('scale')) return undefined;
  const needed = Math.max(...opts.clients) + 2000;
  const soft = Number(execFileSync('bash', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  if (!Number.isFinite(soft) || soft >= needed) return undefined;
  console.log(`open file limit ${soft} < ${needed}: re-running with ulimit -n 65536`);
  const r = spawnSync(
    'bash',
    [
      '-c',
      'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"',
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit', env: { ...process.env, BENCH_SCALE_NOFILE: '1' } },
  );
  return r.status ?? 1;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  if (!HAVE_FIXTURES) {
    console.log(`bench:scale ${SKIP_FIXTURES_MESSAGE}`);
    return 0;
  }
  const reexec = reexecForFiles(opts);
  if (reexec !== undefined) return reexec;
  const started = Date.now();
  const admin = await benchAdminDatabase(onCleanup);
  const needsServer = opts.only.has('scale') || opts.only.has('saturation') || opts.only.has('nodes');
  const entry = needsServer && !opts.source ? await buildServer() : undefined;
  const bench: Bench = {
    opts,
    admin: admin.url,
    stamp: `${Date.now()}_${randomBytes(2).toString('hex')}`,
    entry,
    fixtures: loadScaleFixtures(opts.seconds, Math.max(opts.saturation.frames, opts.nodes.frames)),
  };
  const others = otherLoad();
  console.log(
    `bench:scale — ${new Date().toISOString()}; parts: ${[...opts.only].join(', ')}; ${os.cpus().length} CPUs ` +
      `(${os.cpus()[0]?.model.trim() ?? '?'}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, load average ` +
      `${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}${others.length ? `, also running: ${others.join(', ')}` : ''}; ` +
      `Node ${process.version}; database: ${admin.describe}; Callscope: ${entry ? 'built server (esbuild bundle of server.ts, as npm run build:server)' : 'sources through tsx'}, ` +
      `ingest only, NODE_ENV=production, log level ${process.env.CALLSCOPE_LOG_LEVEL ?? 'info'}; ` +
      `open files per server process: ${fmt(childFileLimit())}`,
  );

  const scale: ScaleRow[] = [];
  let sat: Saturation | undefined;
  let hour: HourResults | undefined;
  const nodes: NodesRun[] = [];
  if (opts.only.has('scale')) {
    const fileLimit = childFileLimit();
    for (const clients of opts.clients) {
      const row: ScaleRow = { clients };
      // A server holds a socket and an open dump (bare: its output file) per client, plus some.
      const fits = !(fileLimit < 2 * clients + FILES_BESIDES_CLIENTS);
      if (!fits) {
        row.limit =
          `a server needs ~${fmt(2 * clients + FILES_BESIDES_CLIENTS)} open files for ${fmt(clients)} clients ` +
          `(a socket and a dump each); this machine lets a process have ${fmt(fileLimit)} (hard limit, cannot be raised here)`;
        note(`scale ${fmt(clients)}: ${row.limit}`);
      }
      note(`scale ${fmt(clients)}: Callscope`);
      row.cs = await scaleCallscope(bench, clients).catch((err) => {
        row.csError = err instanceof Error ? err.message.split('\n').slice(0, 3).join(' ') : String(err);
        return undefined;
      });
      if (fits) {
        note(`scale ${fmt(clients)}: bare`);
        row.bare = await scaleBare(bench, clients).catch((err) => {
          row.bareError = err instanceof Error ? err.message.split('\n').slice(0, 3).join(' ') : String(err);
          return undefined;
        });
      } else {
        row.bareError = 'not run: the bare server would run out of open files (EMFILE) before all clients connect';
      }
      scale.push(row);
    }
    reportScale(scale, opts.seconds, opts.settleS, [...new Set(bench.fixtures.map((f) => f.setup.length))].join('/'));
  }
  const failedParts: string[] = [];
  /** A part that throws is reported and the others still run (the exit code is then 1). */
  const part = async (name: Part, run: () => Promise<void>) => {
    if (!opts.only.has(name)) return;
    try {
      await run();
    } catch (err) {
      failedParts.push(name);
      console.log(`\n${name} could not run: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
    }
  };
  await part('saturation', async () => {
    note('saturation: Callscope');
    sat = await saturation(bench);
    reportSaturation(sat, opts.saturation);
  });
  await part('nodes', async () => {
    for (const count of [1, 2]) {
      note(`nodes: ${count}`);
      nodes.push(await nodesRun(bench, count));
    }
    reportNodes(nodes, opts.nodes, opts.settleS);
  });
  await part('hour', async () => {
    note('hour');
    hour = await hourPart();
    reportHour(hour);
  });

  console.log('\n## Targets\n');
  console.log('| target | reached | |');
  console.log('|---|---|---|');
  for (const [target, reached, met] of verdicts(scale, sat, hour)) {
    console.log(`| ${target} | ${reached} | ${met === undefined ? 'not run' : met ? 'met' : '**not met**'} |`);
  }
  console.log(`\nbench:scale took ${fmt((Date.now() - started) / 1000)} s`);
  if (failedParts.length) console.log(`could not run: ${failedParts.join(', ')}`);
  return failedParts.length ? 1 : 0;
}

const timeoutS = (() => {
  try {
    return parseArgs(process.argv.slice(2)).timeoutS;
  } catch {
    return 1500;
  }
})();
runBench('bench:scale', main, timeoutS, cleanupAll);
