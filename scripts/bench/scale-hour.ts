/**
 * Part 3 of `npm run bench:scale`: one hour-long session analysed live against the same dump analysed once, in one
 * process (scale.ts forks this file; run directly it prints its figures).
 *
 * The dump is `buildSessionHour` of `standup-alice` (one hour of 1 s getStats polling), cut into 1-second chunks
 * (each ends with a getStats frame; the first also holds the header and set-up frames, the last the teardown).
 *  - live: the chunks pushed one by one into an `IncrementalAnalysis`, as the live worker thread gets them; every
 *    5 s of call time (the server checks at its 5 s progress report) a snapshot is taken when
 *    `snapshotIntervalMs(age)` has passed since the last one, and packed as the live thread packs it before storing it
 *    (`packSnapshot`: each track's rows since the previous snapshot as a chunk); at the end `finish()` and pack
 *    whole (`packAnalysis`);
 *  - live, fixed 5 s: the same with a snapshot at every progress report (the old schedule's cost, for contrast);
 *  - once: `analyzeBuffer` of the whole dump, packed.
 * CPU is `process.cpuUsage()` (user + system, all threads: GC included) per run, after a full GC outside the
 * measurement; medians over rounds that rotate the order, after one warm-up of each.
 * Memory: first thing in the fresh process, the heap the live state holds after 10, 30 and 60 minutes of call
 * (heap used after two full GCs, minus the same before the state existed; snapshots are taken as scheduled and
 * dropped), and external/ArrayBuffer memory likewise.
 *
 * Options: --rounds N (5) --fixed-rounds N (1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { snapshotIntervalMs } from '../../lib/server/processing/live-analysis';
import { packAnalysis, packSnapshot, rowsAfter } from '../../lib/server/processing/live-states';
import { analyzeBuffer } from '../../lib/stats/analyze/analyze';
import { IncrementalAnalysis } from '../../lib/stats/analyze/incremental-analysis';
import { fixturePath } from '../../test/helpers/fixtures';
import { buildSessionHour, gcFunction, isStatsFrame } from './process';
import { formatCount as fmt, median } from './report';

/** The server's progress report period (live-session.ts PROGRESS_EVERY_MS): snapshots are decided there. */
const PROGRESS_S = 5;
const MEMORY_AT_MINUTES = [10, 30, 60];

export interface HourRun {
  cpuMs: number;
  wallMs: number;
  snapshots: number;
}

export interface HourResults {
  dumpBytes: number;
  chunks: number;
  minutes: number;
  samplesOnce: number;
  samplesLive: number;
  once: HourRun[];
  live: HourRun[];
  fixed: HourRun[];
  memory: { minutes: number; heapBytes: number; externalBytes: number }[];
}

/** The dump in 1-second chunks: each ends with a getStats frame; the header and set-up go with the first. */
function chunksOf(buffer: Buffer): Buffer[] {
  const lines = buffer.toString('utf8').split('\n');
  const chunks: Buffer[] = [];
  let current: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    current.push(line);
    const stats = i >= 2 && line.startsWith('[') && isStatsFrame(JSON.parse(line) as unknown[]);
    if (stats) {
      chunks.push(Buffer.from(`${current.join('\n')}\n`));
      current = [];
    }
  }
  // Teardown (and the close line) with the last second.
  if (current.length > 0)
    chunks[chunks.length - 1] = Buffer.concat([chunks.at(-1)!, Buffer.from(`${current.join('\n')}\n`)]);
  return chunks;
}

/** Feeds the chunks as the server does; `onSecond(k)` after chunk k. Returns the state (finished or not). */
function feedLive(
  chunks: Buffer[],
  interval: (ageMs: number) => number,
  opts: { finish: boolean; onSecond?: (k: number, state: IncrementalAnalysis) => void },
): { state: IncrementalAnalysis; snapshots: number; samples: number } {
  const state = new IncrementalAnalysis();
  let lastSnapshotS = 0;
  let snapshots = 0;
  let storedRows: number[] | null = null;
  for (let k = 0; k < chunks.length; k++) {
    state.push(chunks[k]);
    if (k > 0 && k % PROGRESS_S === 0 && (k - lastSnapshotS) * 1000 >= interval(k * 1000)) {
      storedRows = rowsAfter(packSnapshot(state.snapshot(), state.bytes, storedRows));
      lastSnapshotS = k;
      snapshots++;
    }
    opts.onSecond?.(k, state);
  }
  const samples = opts.finish ? packAnalysis(state.finish(), state.bytes).analysis.counts.statsSamples : 0;
  return { state, snapshots, samples };
}

function timed(fn: () => number): HourRun {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const snapshots = fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, snapshots };
}

export function measureHour(rounds: number, fixedRounds: number): HourResults {
  const gc = gcFunction();
  const hour = buildSessionHour(fs.readFileSync(fixturePath('rtcstats-js', 'standup-alice.rtcstats')));
  const buffer = hour.buffer;
  const chunks = chunksOf(buffer);

  // Memory first, in the fresh process.
  gc();
  gc();
  const base = process.memoryUsage();
  const memory: HourResults['memory'] = [];
  const checkpoints = new Map(MEMORY_AT_MINUTES.map((m) => [Math.min(chunks.length - 1, m * 60 - 1), m]));
  feedLive(chunks, snapshotIntervalMs, {
    finish: false,
    onSecond: (k) => {
      const minutes = checkpoints.get(k);
      if (minutes === undefined) return;
      gc();
      gc();
      const now = process.memoryUsage();
      memory.push({
        minutes,
        heapBytes: now.heapUsed - base.heapUsed,
        externalBytes: now.external + now.arrayBuffers - (base.external + base.arrayBuffers),
      });
    },
  });

  const once = () => packAnalysis(analyzeBuffer(buffer), buffer.length).analysis.counts.statsSamples;
  const live = () => feedLive(chunks, snapshotIntervalMs, { finish: true }).snapshots;
  const fixed = () => feedLive(chunks, () => PROGRESS_S * 1000, { finish: true }).snapshots;
  const samplesOnce = once();
  const samplesLive = feedLive(chunks, snapshotIntervalMs, { finish: true }).samples;
  const results: HourResults = {
    dumpBytes: buffer.length,
    chunks: chunks.length,
    minutes: chunks.length / 60,
    samplesOnce,
    samplesLive,
    once: [],
    live: [],
    fixed: [],
    memory,
  };
  const kinds = [
    { run: once, into: results.once },
    { run: live, into: results.live },
  ];
  for (let round = -1; round < rounds; round++) {
    for (let j = 0; j < kinds.length; j++) {
      const kind = kinds[(Math.max(0, round) + j) % kinds.length];
      gc();
      const r = timed(kind.run);
      // `once` returns its sample count, not snapshots.
      if (kind.run === once) r.snapshots = 0;
      if (round >= 0) kind.into.push(r);
    }
  }
  for (let round = 0; round < fixedRounds; round++) {
    gc();
    results.fixed.push(timed(fixed));
  }
  return results;
}

/** The CPU ratios the report gives: live ÷ once and fixed-5 s ÷ once, medians. */
export function hourRatios(r: HourResults): { live: number; fixed: number } {
  const once = median(r.once.map((x) => x.cpuMs));
  return { live: median(r.live.map((x) => x.cpuMs)) / once, fixed: median(r.fixed.map((x) => x.cpuMs)) / once };
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) {
  try {
    const results = measureHour(option('--rounds', 5), option('--fixed-rounds', 1));
    if (process.send) process.send(results, () => process.exit(0));
    else {
      const ratios = hourRatios(results);
      console.log(JSON.stringify(results, null, 2));
      console.log(`live ÷ once ${fmt(ratios.live, 2)}×, fixed 5 s ÷ once ${fmt(ratios.fixed, 2)}×`);
    }
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}
