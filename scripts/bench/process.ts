/**
 * `npm run bench:process`: how long processing one session-hour takes, against a plain `JSON.parse` of the same
 * bytes, measured in the same run (issue 3: target ≤ 3× the parse-only time).
 *
 * The session-hour is built from `../shared/fixtures/rtcstats-js/standup-alice.rtcstats`: its getStats part
 * (first to last `getStats` frame, with the events in between) is repeated until the session lasts one hour. Every
 * repeat is shifted in time so the delta chain stays continuous: the analyser sees real 1 s polling (~3600 samples
 * per peer connection), not duplicates it would drop. Counters restart at every repeat (about once a minute), which
 * the analyser treats as a counter reset.
 *
 * Measured in rounds (each runs the three back to back, in rotating order), after a warm-up:
 *   (a) parse    UTF-8 decode, split into lines, `JSON.parse` of every line;
 *   (b) decode   `decodeDump` into a no-op sink (rtcstats decoding, delta decompression);
 *   (c) analyse  `analyzeBuffer`: decoding straight into the `SessionAnalyzer`, plus its result.
 * "Warm" rounds start every run with a scavenge (steady state of a long-running worker); "cold" rounds with a full
 * GC, after which V8 re-specialises its compiled code (see `measure`). The verdict is the median of per-round
 * (c)/(a) ratios of the warm rounds. Memory (peak RSS delta, heap) is measured per step in a fresh child process.
 *
 * Options: `--rounds N` (warm, default 15), `--warmup N` (default 5), `--cold-rounds N` (default 9, 0 = none),
 * `--no-memory`. Exit code is 0 whether or not the target is met: a benchmark, not a test; the verdict is printed.
 */

import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { analyzeBuffer } from '../../lib/stats/analyze/analyze';
import { decodeDump } from '../../lib/stats/decode/detect';
import { forEachLine } from '../../lib/stats/decode/line-decoder';
import type { DumpSink } from '../../lib/stats/model';
import { median } from './report';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.resolve(ROOT, '../shared/fixtures/rtcstats-js/standup-alice.rtcstats');
const HOUR_MS = 3_600_000;
const TARGET_RATIO = 3;
/** A frame "delta" this large is an absolute epoch time (same rule as the decoder). */
const ABSOLUTE_TIME_THRESHOLD = 1e11;
/** Absolute-time properties of stats reports shifted with the repeat (compressed keys): timestamp and the
 * lastPacketReceived/lastPacketSent/remote timestamps. */
const TIME_KEYS = ['t', '34', '151', '102'];

type Mode = 'parse' | 'decode' | 'analyse';
const MODES: Mode[] = ['parse', 'decode', 'analyse'];

// ---------------------------------------------------------------------------------------------------------------
// Building the session-hour

export interface SessionHour {
  buffer: Buffer;
  repeats: number;
  /** Time from the first to the last getStats frame of one repeat, plus one polling interval (ms). */
  stepMs: number;
  lines: number;
}

export function isStatsFrame(frame: unknown[]): boolean {
  return frame[0] === 'g' || frame[0] === 1;
}

function frameDelta(frame: unknown[]): number {
  const delta = frame[frame.length - 1];
  return typeof delta === 'number' ? delta : 0;
}


function shiftStats(value: Record<string, unknown>, shift: number): void {
  if (typeof value.t === 'number') value.t += shift;
  for (const id of Object.keys(value)) {
    const report = value[id];
    if (typeof report !== 'object' || report === null || Array.isArray(report)) continue;
    const r = report as Record<string, unknown>;
    for (const key of TIME_KEYS) {
      const v = r[key];
      if (typeof v === 'number') r[key] = v + shift;
    }
  }
}

/** Repeats the getStats part of an rtcstats dump (file format 3) until it lasts `durationMs`. */
export function buildSessionHour(fixture: Buffer, durationMs = HOUR_MS): SessionHour {
  const lines = fixture
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const [magic, metadata, ...rest] = lines;
  const frames = rest.map((line) => JSON.parse(line) as unknown[]);
  const statsIndexes = frames.flatMap((frame, i) => (isStatsFrame(frame) ? [i] : []));
  if (statsIndexes.length < 2) throw new Error('fixture has fewer than two getStats frames');
  const first = statsIndexes[0];
  const last = statsIndexes[statsIndexes.length - 1];
  const setup = frames.slice(0, first);
  const body = frames.slice(first, last + 1);
  const teardown = frames.slice(last + 1);

  // Times of the body frames relative to the first getStats frame.
  const times: number[] = [];
  let clock = 0;
  body.forEach((frame, i) => {
    if (i > 0) clock += frameDelta(frame);
    times.push(clock);
  });
  const statsTimes = body.flatMap((frame, i) => (isStatsFrame(frame) ? [times[i]] : []));
  const interval = Math.round(median(statsTimes.slice(1).map((t, i) => t - statsTimes[i])));
  const stepMs = times[times.length - 1] + interval;
  const repeats = Math.max(1, Math.round(durationMs / stepMs));

  // Reports alive (per connection) at the end of a repeat but absent from its first getStats frame must be
  // removed (`null`) when the next repeat starts over, as the client would have sent.
  const alive = new Map<string, Set<string>>();
  const firstStats = new Map<string, Set<string>>();
  for (const frame of body) {
    if (!isStatsFrame(frame)) continue;
    const pc = String(frame[1]);
    const value = frame[2] as Record<string, unknown>;
    const set = alive.get(pc) ?? new Set<string>();
    alive.set(pc, set);
    if (!firstStats.has(pc)) firstStats.set(pc, new Set(Object.keys(value)));
    for (const [id, report] of Object.entries(value)) {
      if (id === 't') continue;
      if (report === null) set.delete(id);
      else set.add(id);
    }
  }

  const out: string[] = [magic, metadata, ...setup.map((frame) => JSON.stringify(frame))];
  const bodyText = body.map((frame) => JSON.stringify(frame));
  for (let k = 0; k < repeats; k++) {
    const shift = k * stepMs;
    const seen = new Set<string>();
    for (let i = 0; i < body.length; i++) {
      const frame = JSON.parse(bodyText[i]) as unknown[];
      if (k > 0) {
        const delta = frameDelta(frame);
        if (i === 0) frame[frame.length - 1] = interval;
        else if (delta > ABSOLUTE_TIME_THRESHOLD) frame[frame.length - 1] = delta + shift;
      }
      if (isStatsFrame(frame) && k > 0) {
        const value = frame[2] as Record<string, unknown>;
        shiftStats(value, shift);
        const pc = String(frame[1]);
        if (!seen.has(pc)) {
          seen.add(pc);
          const present = firstStats.get(pc) ?? new Set<string>();
          for (const id of alive.get(pc) ?? []) if (!present.has(id)) value[id] = null;
        }
      }
      out.push(JSON.stringify(frame));
    }
  }
  for (const frame of teardown) out.push(JSON.stringify(frame));
  return { buffer: Buffer.from(`${out.join('\n')}\n`, 'utf8'), repeats, stepMs, lines: out.length };
}

// ---------------------------------------------------------------------------------------------------------------
// The three measured modes

function parseOnly(buffer: Buffer): number {
  let elements = 0;
  forEachLine(buffer.toString('utf8'), (line) => {
    const c = line.charCodeAt(0);
    if (c !== 91 && c !== 123) return; // `[` or `{`: the RTCStatsDump magic line is not JSON
    const parsed: unknown = JSON.parse(line);
    if (Array.isArray(parsed)) elements += parsed.length;
  });
  return elements;
}

function decodeOnly(buffer: Buffer): number {
  let samples = 0;
  const sink: DumpSink = {
    metadata() {},
    event() {},
    stats() {
      samples++;
    },
    warn() {},
  };
  decodeDump(buffer, sink);
  return samples;
}

function analyse(buffer: Buffer): number {
  return analyzeBuffer(buffer).counts.statsSamples;
}

function run(mode: Mode, buffer: Buffer): number {
  switch (mode) {
    case 'parse':
      return parseOnly(buffer);
    case 'decode':
      return decodeOnly(buffer);
    case 'analyse':
      return analyse(buffer);
  }
}

type GcFunction = (options?: { type: 'minor' | 'major' }) => void;

/** `gc()` without requiring `--expose-gc` on the command line. */
export function gcFunction(): GcFunction {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as GcFunction;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory: one mode, once, in a fresh child process (so peaks are not shared between modes)

interface MemoryResult {
  mode: Mode;
  peakRssDelta: number;
  /** The run did not raise the process peak RSS above what loading had reached: the delta is an upper bound. */
  rssUpperBound: boolean;
  heapDelta: number;
  retainedHeap: number;
}

function childMemory(mode: Mode, file: string): void {
  const gc = gcFunction();
  const buffer = fs.readFileSync(file);
  gc();
  gc();
  const rssBefore = process.memoryUsage.rss();
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  const heapBefore = process.memoryUsage().heapUsed;
  let result: unknown = run(mode, buffer);
  const heapAfter = process.memoryUsage().heapUsed;
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  gc();
  const retained = process.memoryUsage().heapUsed;
  result = null;
  const message: MemoryResult = {
    mode,
    peakRssDelta: maxRssAfter - rssBefore,
    rssUpperBound: maxRssAfter <= maxRssBefore,
    heapDelta: heapAfter - heapBefore,
    retainedHeap: retained - heapBefore,
  };
  process.send?.(message, () => process.exit(0));
  void result;
}

function measureMemory(mode: Mode, file: string): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['--child-memory', mode, file], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (message) => resolve(message as MemoryResult));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`memory child for ${mode} exited with ${code}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const mb = (bytes: number) => bytes / (1024 * 1024);
const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function main(): Promise<void> {
  const childIndex = process.argv.indexOf('--child-memory');
  if (childIndex >= 0) {
    childMemory(process.argv[childIndex + 1] as Mode, process.argv[childIndex + 2]);
    return;
  }
  if (!fs.existsSync(FIXTURE)) {
    console.log(`bench:process SKIPPED: fixture ${FIXTURE} is absent`);
    return;
  }
  const rounds = option('--rounds', 15);
  const warmup = option('--warmup', 5);
  const coldRounds = option('--cold-rounds', 9);
  const gc = gcFunction();

  const hour = buildSessionHour(fs.readFileSync(FIXTURE));
  const buffer = hour.buffer;
  const size = buffer.length;

  // Sanity: the analyser must see one real hour of 1 s polling.
  const check = analyzeBuffer(buffer);
  const pcs = check.peerConnections.map((pc) => `${pc.pc}: ${pc.statsSamples} samples, ${pc.series.t.length} rows`);
  const rows = check.tracks.map((t) => t.series.t.length);
  const durationS = check.start !== null && check.end !== null ? (check.end - check.start) / 1000 : Number.NaN;
  // One hour of 1 s polling: ~3600 samples per connection, series of about that length.
  const sane =
    check.peerConnections.length > 0 &&
    check.peerConnections.every((pc) => Math.abs(pc.statsSamples - 3600) < 180) &&
    rows.length > 0 &&
    rows.every((n) => Math.abs(n - 3600) < 180);
  if (!sane) console.log('WARNING: the analyser did not see ~3600 samples per connection: figures are meaningless');

  console.log('bench:process: one session-hour of rtcstats (file format 3)');
  console.log(
    `  input      ${path.relative(ROOT, FIXTURE)} getStats part ×${hour.repeats} (step ${fmt(hour.stepMs / 1000)} s)`,
  );
  console.log(`  size       ${fmt(mb(size), 2)} MiB, ${hour.lines} lines, session ${fmt(durationS / 60)} min`);
  console.log(
    `  analyser   ${pcs.join('; ')}; ${check.tracks.length} tracks, series rows ${Math.min(...rows)}–${Math.max(...rows)}`,
  );
  console.log(
    `  machine    ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? '?'}, node ${process.version}; ${rounds} warm rounds after ${warmup} warm-up, ${coldRounds} cold rounds`,
  );

  /**
   * Warm: a scavenge before each run, so no run pays for the young garbage of the one before; compiled code stays
   * as a long-running worker has it. Cold: a full GC before each run, which also lets V8 drop the hidden classes
   * of the previous run's (dead) objects and deoptimise the code specialised on them (`--trace-deopt`: "weak
   * objects"), so the run re-warms its JIT, as a worker's first job after an idle full GC does.
   */
  const measure = (count: number, skip: number, full: boolean): Record<Mode, number[]> => {
    const times: Record<Mode, number[]> = { parse: [], decode: [], analyse: [] };
    let keep = 0;
    for (let round = 0; round < skip + count; round++) {
      for (let j = 0; j < MODES.length; j++) {
        const mode = MODES[(round + j) % MODES.length];
        gc(full ? undefined : { type: 'minor' });
        const start = performance.now();
        keep += run(mode, buffer);
        const elapsed = performance.now() - start;
        if (round >= skip) times[mode].push(elapsed);
      }
    }
    if (keep < 0) console.log(keep); // keeps the results observable
    return times;
  };
  const times = measure(rounds, warmup, false);
  const cold = coldRounds > 0 ? measure(coldRounds, 0, true) : null;

  const parseMs = median(times.parse);
  const coldParseMs = cold ? median(cold.parse) : Number.NaN;
  let memory: Record<Mode, MemoryResult> | null = null;
  if (!process.argv.includes('--no-memory')) {
    const file = path.join(os.tmpdir(), `callscope-bench-process-${process.pid}.rtcstats`);
    fs.writeFileSync(file, buffer);
    try {
      memory = {} as Record<Mode, MemoryResult>;
      for (const mode of MODES) memory[mode] = await measureMemory(mode, file);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  const label: Record<Mode, string> = {
    parse: '(a) JSON.parse every line',
    decode: '(b) decode → no-op sink',
    analyse: '(c) analyzeBuffer',
  };
  console.log('');
  console.log(
    '| step | warm median ms | min ms | MB/s | × parse | cold median ms | × cold parse | peak RSS Δ MiB | heap Δ MiB (retained) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const mode of MODES) {
    const med = median(times[mode]);
    const min = Math.min(...times[mode]);
    const coldMed = cold ? median(cold[mode]) : Number.NaN;
    const m = memory?.[mode];
    const rss = m ? `${m.rssUpperBound ? '≤ ' : ''}${fmt(mb(m.peakRssDelta))}` : '–';
    const heap = m ? `${fmt(mb(m.heapDelta))} (${fmt(mb(m.retainedHeap), 2)})` : '–';
    const coldCells = cold ? `${fmt(coldMed)} | ${fmt(coldMed / coldParseMs, 2)}×` : '– | –';
    console.log(
      `| ${label[mode]} | ${fmt(med)} | ${fmt(min)} | ${fmt(size / 1e6 / (med / 1000), 0)} | ${fmt(med / parseMs, 2)}× | ${coldCells} | ${rss} | ${heap} |`,
    );
  }
  // Other processes share the 2 cores: a ratio of runs of the same round (seconds apart) is steadier than a ratio
  // of medians taken over the whole run, so the verdict uses the median of per-round ratios.
  const roundRatio = (t: Record<Mode, number[]>, mode: Mode) => median(t[mode].map((ms, i) => ms / t.parse[i]));
  const ratio = roundRatio(times, 'analyse');
  console.log('');
  console.log('median of per-round ratios (each round runs the three steps back to back):');
  console.log(`  decode/parse  ${fmt(roundRatio(times, 'decode'), 2)}× warm`);
  const coldText = cold ? `; cold (after a full GC) ${fmt(roundRatio(cold, 'analyse'), 2)}×` : '';
  console.log(`  analyse/parse ${fmt(ratio, 2)}× warm${coldText}`);
  console.log(
    `  ratio of medians ${fmt(median(times.analyse) / parseMs, 2)}×, of minimums ${fmt(Math.min(...times.analyse) / Math.min(...times.parse), 2)}×`,
  );
  const verdict = !sane
    ? 'INVALID (the analyser did not see one hour of samples)'
    : ratio <= TARGET_RATIO
      ? 'PASS'
      : 'FAIL';
  console.log(`target ≤ ${TARGET_RATIO}× (warm): ${verdict}`);
}

// Only as a script: `buildSessionHour` can be imported (e.g. for profiling) without running the benchmark.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
