/**
 * What `npm run bench:scale` (scale.ts) needs around its server children: a cleanup registry, the built server,
 * children started with a raised open-file limit, their CPU and RSS read from /proc, their /metrics scraped, their
 * pino log counted.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, symlink } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { childInbox } from './bench-process';
import type { ChildMessage, ParentMessage } from './ingest-protocol';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Open files a server child may have: a socket and a dump per client, and then some. */
const CHILD_NOFILE = 65536;

// -------------------------------------------------------------------------------------------------------------
// Cleanup: everything created is undone on exit, error, timeout or Ctrl-C (children first, then the rest, newest
// first).

const cleanups: (() => Promise<void>)[] = [];
const children = new Set<ChildProcess>();

export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Runs one registered cleanup now (and forgets it). */
export async function undo(cleanup: () => Promise<void>): Promise<void> {
  const i = cleanups.indexOf(cleanup);
  if (i >= 0) cleanups.splice(i, 1);
  await cleanup();
}

export async function cleanupAll(): Promise<void> {
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
    const next = cleanups.pop()!;
    await next().catch((err) => console.error(`cleanup failed: ${err instanceof Error ? err.message : err}`));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// -------------------------------------------------------------------------------------------------------------
// The built server

/**
 * server.ts bundled exactly as `npm run build:server` does it (its esbuild command line, read from package.json),
 * into a temporary directory laid out like the repository (package.json, prisma/ and node_modules/ linked), so the
 * bench runs the current sources as production runs them without touching the shared dist/. Returns the bundle's
 * server.js; its analyze-worker.js is beside it, where the server looks for it with NODE_ENV=production.
 */
export async function buildServer(): Promise<string> {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const command = pkg.scripts['build:server'];
  if (!command?.startsWith('esbuild ') || !command.includes('--outdir=dist')) {
    throw new Error(`unexpected build:server script: ${command}`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callscope-scale-build-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  for (const name of ['package.json', 'prisma', 'node_modules'])
    await symlink(path.join(ROOT, name), path.join(dir, name));
  const args = command
    .slice('esbuild '.length)
    .split(/\s+/)
    .map((arg) => (arg === '--outdir=dist' ? `--outdir=${path.join(dir, 'dist')}` : arg));
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), args, { cwd: ROOT, stdio: 'inherit' });
  const entry = path.join(dir, 'dist/server.js');
  if (!existsSync(entry) || !existsSync(path.join(dir, 'dist/analyze-worker.js')))
    throw new Error('build made no bundle');
  return entry;
}

// -------------------------------------------------------------------------------------------------------------
// Children

export interface Child {
  pid: number;
  port: number;
  idleRss: number;
  logFile: string;
  send(message: ParentMessage): void;
  next(type: ChildMessage['type'], timeoutMs: number): Promise<ChildMessage>;
  exited: Promise<void>;
  kill(): Promise<void>;
}

/**
 * `node [nodeArgs] --import tsx <script> <args>` with an IPC channel and stdout/stderr to `logFile`, through bash so the open
 * file limit can be raised first (the pid is node's: bash execs it).
 */
export async function startChild(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  nodeArgs: string[] = [],
): Promise<Child> {
  const log = await open(logFile, 'w');
  const proc = spawn(
    'bash',
    [
      '-c',
      `ulimit -n ${CHILD_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`,
      process.execPath,
      ...nodeArgs,
      '--import',
      'tsx',
      path.join(ROOT, 'scripts/bench', script),
      ...args,
    ],
    { cwd: ROOT, env, stdio: ['ignore', log.fd, log.fd, 'ipc'] },
  );
  await log.close();
  children.add(proc);
  proc.on('error', () => {});
  const { next, exited } = childInbox(proc, script, logFile, () => children.delete(proc));
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  const ready = await next('ready', 180_000).catch(async (err) => {
    await kill();
    throw err;
  });
  if (ready.type !== 'ready' || proc.pid === undefined) throw new Error('unexpected message');
  return {
    pid: proc.pid,
    port: ready.port,
    idleRss: ready.idleRss,
    logFile,
    // A child that died is reported by `next` (with its log's tail); the send itself must not throw.
    send: (m) => {
      if (proc.connected) proc.send(m, () => {});
    },
    next,
    exited,
    kill,
  };
}

/** The open-file limit a child gets (bash's soft limit after trying CHILD_NOFILE; the hard limit caps it). */
export function childFileLimit(): number {
  try {
    return Number(
      execFileSync('bash', ['-c', `ulimit -n ${CHILD_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; ulimit -n`], {
        encoding: 'utf8',
      }).trim(),
    );
  } catch {
    return Number.NaN;
  }
}

/** A free TCP port on 127.0.0.1 (for a child's metrics server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  onCleanup(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  await mkdir(path.join(dir, 'out'));
  return dir;
}

// -------------------------------------------------------------------------------------------------------------
// /proc

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time of a process, all threads, user + system (ms); NaN once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime) are the 12th and 13th after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples a process's RSS every `everyMs`; `peak` is the highest seen since the start (or the last `reset`). */
export function rssSampler(pid: number, everyMs = 200) {
  let peak = 0;
  const sample = () => {
    const rss = statusBytes(pid, 'VmRSS');
    if (rss > peak) peak = rss;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    get peak() {
      sample();
      return peak;
    },
    /** Lifetime peak RSS (VmHWM), start-up included. */
    lifetimePeak: () => statusBytes(pid, 'VmHWM'),
    stop: () => clearInterval(timer),
  };
}

/** The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows, all sockets). */
export function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
    const keys = lines[i].split(' ');
    const values = lines[i + 1].split(' ');
    return Number(values[keys.indexOf('ListenOverflows')]);
  } catch {
    return Number.NaN;
  }
}

/** Other work on the machine that the figures should be read against (pgrep; empty when none). */
export function otherLoad(): string[] {
  const found: string[] = [];
  for (const [what, pattern] of [
    ['Playwright', 'playwright test'],
    ['vitest', 'vitest'],
    ['next build', 'next build'],
  ] as const) {
    try {
      const pids = execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
      if (pids.length > 0) found.push(`${what} (${pids.length})`);
    } catch {
      // exit 1: none
    }
  }
  return found;
}

// -------------------------------------------------------------------------------------------------------------
// /metrics

/** One scrape of a Prometheus text endpoint: `name{labels}` (as written) → value. */
export function scrapeMetrics(port: number, timeoutMs = 5000): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const values = new Map<string, number>();
        for (const line of body.split('\n')) {
          if (line === '' || line.startsWith('#')) continue;
          const space = line.lastIndexOf(' ');
          values.set(line.slice(0, space), Number(line.slice(space + 1)));
        }
        resolve(values);
      });
    });
    req.on('timeout', () => req.destroy(new Error('metrics scrape timed out')));
    req.on('error', reject);
  });
}

/** The sum of every series of a metric (all label sets). */
export function metricSum(values: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of values) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

/** Every series of a metric with its labels, e.g. `reason="backlog" 3`. */
export function metricSeries(values: Map<string, number>, name: string): string[] {
  return [...values]
    .filter(([key, value]) => key.startsWith(`${name}{`) && value !== 0)
    .map(([key, value]) => `${key.slice(name.length + 1, -1)} ${value}`);
}

// -------------------------------------------------------------------------------------------------------------
// The server's log

export interface LogCounts {
  errors: number;
  warns: number;
  /** Message → count, errors and warnings (`error: ...` / `warn: ...`). */
  messages: Map<string, number>;
}

/** pino JSON lines: level ≥ 50 (error, fatal) and 40 (warn) counted, with their messages. */
export async function countLogLines(logFile: string): Promise<LogCounts> {
  const counts: LogCounts = { errors: 0, warns: 0, messages: new Map() };
  const text = await readFile(logFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { level?: number; msg?: string; err?: { message?: string } | string };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const level = entry.level ?? 0;
    if (level < 40) continue;
    if (level >= 50) counts.errors++;
    else counts.warns++;
    const detail = typeof entry.err === 'string' ? entry.err : entry.err?.message;
    const key = `${level >= 50 ? 'error' : 'warn'}: ${entry.msg ?? '?'}${detail ? ` (${detail.slice(0, 120)})` : ''}`;
    counts.messages.set(key, (counts.messages.get(key) ?? 0) + 1);
  }
  return counts;
}
