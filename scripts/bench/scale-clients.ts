/**
 * The clients of `npm run bench:scale`: real rtcstats-js frames (the four `../shared/fixtures/rtcstats-js`
 * dumps, lengthened with `buildSessionHour` so their getStats part lasts as long as a run needs, with a continuous
 * delta chain), one token and one session per client, two clients per conference (an alice and a bob, as in the
 * fixtures). Paced clients send their set-up frames at once, then one getStats frame a second (with the events
 * recorded before it); fast clients replay their frames as fast as the socket takes them (ingest.ts's `replay`).
 */
import WebSocket from 'ws';
import { generateAuthToken } from '../../lib/shared/auth-token';
import { RTCSTATS_FIXTURES, readFixture, readRtcstatsFixture } from '../../test/helpers/fixtures';
import { type ClientRun, openSocket, type PreparedClient, replay } from './ingest';
import { CONN_PARAM, nowMs } from './ingest-protocol';
import { buildSessionHour, isStatsFrame } from './process';

export const SECRET = 'fixture-secret-0123456789abcdef0123456789abcdef';
/** Clients connect from 127.0.0.2–127.0.0.11 (Linux routes all of 127/8 to lo): fewer ports per address. */
const ADDRESSES = 10;
/** A client that could not open its socket in this long gives up (SYNs dropped by a full listen queue are retried
 * for up to two minutes otherwise). */
const HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ScaleFixture {
  path: string;
  headers: Record<string, string>;
  user: string;
  /** Frames before the first getStats frame: sent at once when the socket opens. */
  setup: string[];
  /** Then one group a second: the events recorded since the previous getStats frame, and the next getStats frame. */
  seconds: string[][];
  /** Set-up and body frames in order, for replaying as fast as possible. */
  all: string[];
}

/** The four fixtures, each with at least `seconds` getStats frames and `frames` frames in all. */
export function loadScaleFixtures(seconds: number, frames: number): ScaleFixture[] {
  return RTCSTATS_FIXTURES.map((f) => {
    const recorded = readRtcstatsFixture(f.file);
    const long = buildSessionHour(readFixture('rtcstats-js', f.file), (Math.max(seconds, frames) + 120) * 1000);
    const lines = long.buffer
      .toString('utf8')
      .split('\n')
      .slice(2)
      .filter((line) => line !== '' && !line.startsWith('["close",null,'));
    const stats = lines.map((line) => isStatsFrame(JSON.parse(line) as unknown[]));
    const first = stats.indexOf(true);
    const setup = lines.slice(0, first);
    const groups: string[][] = [];
    let group: string[] = [];
    for (let i = first; i < lines.length; i++) {
      group.push(lines[i]);
      if (stats[i]) {
        groups.push(group);
        group = [];
      }
    }
    if (groups.length < seconds || lines.length < frames) throw new Error(`${f.file}: too few frames for the run`);
    return {
      path: new URL(recorded.metadata.url, 'http://x').pathname,
      headers: { 'User-Agent': recorded.metadata.userAgent, Origin: recorded.metadata.origin },
      user: f.user,
      setup,
      seconds: groups,
      all: lines,
    };
  });
}

export interface ClientSpec {
  conn: string;
  url: string;
  fixture: ScaleFixture;
  localAddress: string;
}

/** `count` clients named `<label>-<i>` on `bases[i % bases.length]` (several nodes: clients split between them). */
export async function clientSpecs(fixtures: ScaleFixture[], label: string, count: number, bases: string[]) {
  return Promise.all(
    Array.from({ length: count }, async (_, i): Promise<ClientSpec> => {
      const fixture = fixtures[i % fixtures.length];
      const conn = `${label}-${i}`;
      const token = await generateAuthToken(
        { user: fixture.user, session: conn, conference: `${label}-c${i >> 1}` },
        SECRET,
        3600,
      );
      const base = bases[i % bases.length];
      const url = `${base}${fixture.path}?${CONN_PARAM}=${conn}&rtcstats-token=${encodeURIComponent(token)}`;
      return { conn, url, fixture, localAddress: `127.0.0.${2 + (i % ADDRESSES)}` };
    }),
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface PacedResult {
  conn: string;
  /** Send time of each frame (nowMs, taken just before ws.send). */
  sendTimes: Float64Array;
  sent: number;
  /** How many of the frames are set-up frames (sent at once when the socket opened). */
  setupFrames: number;
  /** Open requested → socket open (ms; NaN if it never opened). */
  connectMs: number;
  /** When the client called close(1000) (Date.now; NaN if it never opened). */
  closeAt: number;
  closeCode: number;
  error?: string;
}

/**
 * Opens at `openAt` (Date.now ms; gives up after 30 s), sends the set-up frames, then one group a second at a random phase for `seconds`
 * seconds, and closes with 1000.
 */
export async function pacedClient(spec: ClientSpec, seconds: number, openAt: number): Promise<PacedResult> {
  const { fixture } = spec;
  const groups = fixture.seconds.slice(0, seconds);
  const planned = fixture.setup.length + groups.reduce((n, g) => n + g.length, 0);
  const result: PacedResult = {
    conn: spec.conn,
    sendTimes: new Float64Array(planned),
    sent: 0,
    setupFrames: fixture.setup.length,
    connectMs: Number.NaN,
    closeAt: Number.NaN,
    closeCode: 0,
  };
  await sleep(openAt - Date.now());
  const ws = new WebSocket(spec.url, 'rtcstats#5.0', {
    headers: fixture.headers,
    perMessageDeflate: false,
    localAddress: spec.localAddress,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  const requested = Date.now();
  ws.on('error', (err) => {
    result.error ??= err.message;
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('error', () => resolve(false));
    ws.once('unexpected-response', (_req, res) => {
      result.error = `HTTP ${res.statusCode}`;
      res.resume();
      ws.terminate();
      resolve(false);
    });
  });
  if (!opened) {
    result.closeCode = await closed;
    return result;
  }
  const send = (frame: string) => {
    result.sendTimes[result.sent++] = nowMs();
    ws.send(frame);
  };
  const t0 = Date.now();
  result.connectMs = t0 - requested;
  for (const frame of fixture.setup) send(frame);
  const phase = Math.random() * 1000;
  for (let k = 0; k < groups.length; k++) {
    await sleep(t0 + phase + (k + 1) * 1000 - Date.now());
    if (ws.readyState !== WebSocket.OPEN) break;
    for (const frame of groups[k]) send(frame);
  }
  result.closeAt = Date.now();
  ws.close(1000);
  result.closeCode = await closed;
  return result;
}

/** Fast clients: every socket opened first, then all replay `frames` frames at once; resolves when all closed. */
export async function fastRound(specs: ClientSpec[], frames: number): Promise<{ t0: number; runs: ClientRun[] }> {
  const prepared: PreparedClient[] = specs.map((s) => {
    const list = s.fixture.all.slice(0, frames);
    return {
      conn: s.conn,
      url: s.url,
      headers: s.fixture.headers,
      frames: list,
      bytes: list.reduce((n, f) => n + Buffer.byteLength(f), 0),
    };
  });
  const sockets = await Promise.all(prepared.map(openSocket));
  const t0 = nowMs();
  const runs = await Promise.all(prepared.map((c, i) => replay(sockets[i], c)));
  return { t0, runs };
}
