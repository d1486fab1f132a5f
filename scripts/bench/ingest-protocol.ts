/**
 * What `scripts/bench/ingest.ts` (the clients) and its server children (`ingest-server-child.ts` for Callscope,
 * `bare-ws-server.ts` for the bare `ws` baseline) say to each other over the child's IPC channel.
 *
 * Connections are named by the `bench-conn` query parameter (both servers get byte-identical requests). For
 * every connection a child reports "on disk" events: `[framesCovered, timeMs]` = the first `framesCovered`
 * frames of that connection were on disk at `timeMs` (Callscope: the fdatasync covering them returned; bare: the
 * write callback of the frame fired). The parent matches them with its own send times to get frame-to-disk
 * latency. Times are `performance.timeOrigin + performance.now()` (epoch ms, sub-ms resolution) in every process.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export const CONN_PARAM = 'bench-conn';

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface ConnectionDisk {
  conn: string;
  frames: number;
  bytes: number;
  /** `[framesCovered, timeMs]`, framesCovered non-decreasing. */
  events: [number, number][];
}

export interface ChildResults {
  connections: ConnectionDisk[];
  /** Highest RSS sampled every 50 ms from the first send until every frame was on disk, bytes. */
  loadPeakRss: number;
  /** CPU time of the server process (all threads, user + system) over the same interval, ms. */
  loadCpuMs: number;
  /** Lifetime peak RSS of the server process (getrusage maxrss; includes start-up and session end), bytes. */
  peakRss: number;
  /** Callscope: how long each LiveSession.open took (JWT checked → row inserted, dump opened), ms. Frames are
   * held in memory until then. */
  sessionOpenMs?: number[];
}

/**
 * Measures the load interval: from `start` until `finish()` (the child calls it once every connection's last
 * frame is on disk).
 */
export function loadMeter() {
  let peak = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, 50);
  timer.unref();
  return {
    finish(): { loadPeakRss: number; loadCpuMs: number } {
      clearInterval(timer);
      const cpu = process.cpuUsage(cpu0);
      return { loadPeakRss: Math.max(peak, process.memoryUsage.rss()), loadCpuMs: (cpu.user + cpu.system) / 1000 };
    },
  };
}

export type ChildMessage =
  | { type: 'ready'; port: number; idleRss: number }
  | { type: 'done'; resultsFile: string }
  | { type: 'error'; message: string };

/**
 * `start`: the clients are connected and about to send; the load ends when `expectedConnections` connections have
 * every frame on disk. `stop`: write the results once that happened, then exit.
 */
export type ParentMessage = { type: 'start'; expectedConnections: number } | { type: 'stop'; resultsFile: string };

/**
 * With BENCH_LOAD_PROFILE_DIR set, a CPU profile of this process's main thread over exactly the load interval
 * (`load-main.cpuprofile`): the whole-life `--cpu-prof` profiles are dominated by start-up and session end.
 */
function loadProfiler() {
  const dir = process.env.BENCH_LOAD_PROFILE_DIR;
  if (!dir) return { start: () => {}, stop: async () => {} };
  const session = new Session();
  let started: Promise<unknown> | undefined;
  return {
    start() {
      session.connect();
      started = session.post('Profiler.enable').then(() => session.post('Profiler.start'));
    },
    async stop() {
      await started;
      const { profile } = await session.post('Profiler.stop');
      await writeFile(path.join(dir, 'load-main.cpuprofile'), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** Counts finished connections and closes the load meter at the last one. */
export function loadTracker() {
  const profiler = loadProfiler();
  let meter: ReturnType<typeof loadMeter> | undefined;
  let expected = Number.POSITIVE_INFINITY;
  let finished = 0;
  let load: { loadPeakRss: number; loadCpuMs: number } | undefined;
  let resolveDone: (value: { loadPeakRss: number; loadCpuMs: number }) => void = () => {};
  const finished$ = new Promise<{ loadPeakRss: number; loadCpuMs: number }>((resolve) => {
    resolveDone = resolve;
  });
  const done = finished$.then(async (load) => {
    await profiler.stop();
    return load;
  });
  const check = () => {
    if (!load && meter && finished >= expected) {
      load = meter.finish();
      resolveDone(load);
    }
  };
  return {
    start(expectedConnections: number) {
      expected = expectedConnections;
      meter = loadMeter();
      profiler.start();
      check();
    },
    connectionFinished() {
      finished++;
      check();
    },
    done,
  };
}

/** Sends a message to the parent over IPC (children are started with an IPC channel). */
export function toParent(message: ChildMessage): void {
  process.send?.(message);
}

export function connectionName(url: string | undefined): string {
  return new URL(url ?? '/', 'http://x').searchParams.get(CONN_PARAM) ?? '';
}
