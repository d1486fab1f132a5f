/**
 * A real two-party WebRTC call between two Chromium pages (fake camera and microphone), each instrumented by the
 * real `@jitsi/rtcstats` client from npm and streaming to a running Callscope over its Jitsi WebSocket ingest
 * (`3.1_STANDARD`). Used by Vitest (test/jitsi-client.test.ts) and by the Playwright e2e tests.
 *
 * - `bundleJitsiClient()`: esbuild bundle of call-page/call-page.ts + @jitsi/rtcstats (cached per process).
 * - `startCallPageServer()`: a static HTTP server on 127.0.0.1 serving the call page (http on 127.0.0.1 is a
 *   secure context, so getUserMedia works).
 * - `runTwoPartyCall()`: two browser contexts, signaling relayed through the test, a call of `durationMs`,
 *   an optional `maxBitrate` cap on the first user's video, then hang-up: peer connections closed and the
 *   rtcstats sockets closed with 3001, so the server ends both sessions.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CallPageInit, CallPageStatus, CallPageWindow, MediaCounters } from './call-page/types';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launch arguments for a headless Chromium that can run the call (fake devices, no permission prompts). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

const PAGE_DIR = fileURLToPath(new URL('./call-page/', import.meta.url));

let bundlePromise: Promise<string> | null = null;

/**
 * Bundles the call page with the real @jitsi/rtcstats client into one browser script (iife). The package ships
 * unbundled ES modules with extensionless imports, and `@jitsi/js-utils/browser-detection` points at a directory
 * that the package's `exports` forbid, so that one import is aliased to its index file.
 */
export function bundleJitsiClient(): Promise<string> {
  bundlePromise ??= (async () => {
    const { build } = await import('esbuild');
    const require = createRequire(import.meta.url);
    const jsUtilsIndex = require.resolve('@jitsi/js-utils');
    const result = await build({
      entryPoints: [path.join(PAGE_DIR, 'call-page.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome110',
      write: false,
      sourcemap: 'inline',
      logLevel: 'silent',
      alias: {
        '@jitsi/js-utils/browser-detection': path.join(path.dirname(jsUtilsIndex), 'browser-detection', 'index.js'),
      },
    });
    const out = result.outputFiles[0];
    if (!out) throw new Error('esbuild produced no output for the call page');
    return out.text;
  })().catch((err) => {
    bundlePromise = null;
    throw err;
  });
  return bundlePromise;
}

export interface CallPageServer {
  /** e.g. `http://127.0.0.1:41234/` */
  url: string;
  close(): Promise<void>;
}

/** Serves `/` (the call page) and `/call-page.js` (the bundle) on 127.0.0.1 and a free port. */
export async function startCallPageServer(): Promise<CallPageServer> {
  const [html, script] = await Promise.all([readFile(path.join(PAGE_DIR, 'index.html'), 'utf8'), bundleJitsiClient()]);
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname === '/' || pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    } else if (pathname === '/call-page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(script);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TwoPartyCallOptions {
  browser: Browser;
  /** Callscope's WebSocket base, e.g. `ws://127.0.0.1:3000` (no trailing slash). */
  callscopeWsUrl: string;
  /**
   * Ingest token, sent as the `/t/<token>/` path segment (a Jitsi client cannot add query parameters). A function
   * gives each user their own token. Without one, the server must accept unauthenticated ingest.
   */
  token?: string | ((user: string) => string | Promise<string>);
  /** Sent as the identity's confName; also the default meetingFqn (the last path segment). */
  conference: string;
  meetingFqn?: string;
  /** [offerer, answerer]; each is the identity's displayName. */
  users: [string, string];
  /** How long media flows once connected. */
  durationMs: number;
  /** Ms after connecting at which the first user's video gets `maxBitrate = capBitrateBps`. */
  capBitrateAt?: number;
  capBitrateBps?: number;
  /** rtcstats getStats period (default 1000 ms). */
  pollIntervalMs?: number;
  /** rtcstats `sendSdp` (default false, as jitsi-meet). */
  sendSdp?: boolean;
  /** A running call page server to reuse; otherwise one is started and closed by the call. */
  pageServer?: CallPageServer;
  /** Bound for each step (page load, init, signaling, connect, hang-up). Default 20 s. */
  stepTimeoutMs?: number;
  /** Page console lines and errors go here (default: nowhere). */
  log?: (line: string) => void;
}

export interface ObservedSocket {
  /** URL with the token replaced by `…`. */
  url: string;
  statsSessionId: string | null;
  framesSent: number;
  framesReceived: number;
  /** The server's `{"type":"sn",…}` handshake arrived. */
  gotSequenceNumber: boolean;
  closed: boolean;
}

export interface CallParticipant {
  user: string;
  /** The Jitsi statsSessionId of this page's rtcstats socket (→ rtcstats_session server-side). */
  statsSessionId: string;
  sockets: ObservedSocket[];
  /** Status after hang-up: close codes the client saw (3001 expected), page errors. */
  final: CallPageStatus;
  /** The page's own cumulative RTP counters, one sample per second from connect to hang-up. */
  samples: MediaCounters[];
}

export interface TwoPartyCallResult {
  conference: string;
  participants: [CallParticipant, CallParticipant];
  connectedAt: number;
  capAppliedAt: number | null;
  hungUpAt: number;
}

/** One browser context with the call page loaded (shared with mesh-call.ts). */
export interface Party {
  user: string;
  context: BrowserContext;
  page: Page;
  sockets: ObservedSocket[];
  samples: MediaCounters[];
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function redact(url: string): string {
  return url.replace(/\/t\/[^/?]+/, '/t/…');
}

export async function resolveToken(token: TwoPartyCallOptions['token'], user: string): Promise<string | undefined> {
  if (token === undefined) return undefined;
  return typeof token === 'function' ? token(user) : token;
}

/** A new browser context with the call page loaded; its rtcstats sockets are observed into `party.sockets`. */
export async function openParty(
  opts: Pick<TwoPartyCallOptions, 'browser'>,
  pageUrl: string,
  user: string,
  stepMs: number,
  log: (line: string) => void,
): Promise<Party> {
  const context = await opts.browser.newContext();
  const party: Party = { user, context, page: await context.newPage(), sockets: [], samples: [] };
  await context.grantPermissions(['camera', 'microphone'], { origin: new URL(pageUrl).origin }).catch(() => {});
  const { page } = party;
  page.on('close', () => log(`[${user}] page closed`));
  page.on('console', (m) => log(`[${user}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log(`[${user}] page error: ${e.message}`));
  page.on('websocket', (ws) => {
    const url = new URL(ws.url());
    const observed: ObservedSocket = {
      url: redact(ws.url()),
      statsSessionId: url.searchParams.get('statsSessionId'),
      framesSent: 0,
      framesReceived: 0,
      gotSequenceNumber: false,
      closed: false,
    };
    party.sockets.push(observed);
    ws.on('framesent', () => {
      observed.framesSent++;
    });
    ws.on('framereceived', (f) => {
      observed.framesReceived++;
      if (typeof f.payload === 'string' && f.payload.includes('"sn"')) observed.gotSequenceNumber = true;
    });
    ws.on('close', () => {
      observed.closed = true;
    });
  });
  await withTimeout(page.goto(pageUrl), stepMs, `${user}: loading the call page`);
  await withTimeout(
    page.waitForFunction(() => 'callPage' in window),
    stepMs,
    `${user}: waiting for the call page script`,
  );
  return party;
}

export async function initParty(party: Party, init: CallPageInit, stepMs: number): Promise<void> {
  await withTimeout(
    party.page.evaluate((o) => (window as unknown as CallPageWindow).callPage.init(o), init),
    stepMs,
    `${party.user}: rtcstats init + getUserMedia`,
  );
}

async function sample(party: Party): Promise<void> {
  const c = await party.page.evaluate(() => (window as unknown as CallPageWindow).callPage.counters());
  party.samples.push(c);
}

/**
 * Runs a two-party call and returns the statsSessionIds used. Every step is bounded; browser contexts (and the
 * page server, unless passed in) are closed whatever happens. The browser itself belongs to the caller.
 */
export async function runTwoPartyCall(opts: TwoPartyCallOptions): Promise<TwoPartyCallResult> {
  const stepMs = opts.stepTimeoutMs ?? 20_000;
  const log = opts.log ?? (() => {});
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const capBps = opts.capBitrateBps ?? 250_000;
  const ownServer = opts.pageServer ? null : await startCallPageServer();
  const pageServer = opts.pageServer ?? ownServer;
  if (!pageServer) throw new Error('no call page server');
  const parties: Party[] = [];
  try {
    for (const user of opts.users) parties.push(await openParty(opts, pageServer.url, user, stepMs, log));
    const [a, b] = parties as [Party, Party];

    for (const party of parties) {
      const token = await resolveToken(opts.token, party.user);
      const base = opts.callscopeWsUrl.replace(/\/+$/, '');
      await initParty(
        party,
        {
          endpoint: token ? `${base}/t/${encodeURIComponent(token)}` : base,
          meetingFqn: opts.meetingFqn ?? opts.conference,
          user: party.user,
          conference: opts.conference,
          pollIntervalMs,
          pingIntervalMs: 5_000,
          sendSdp: opts.sendSdp ?? false,
        },
        stepMs,
      );
    }

    const offer = await withTimeout(
      a.page.evaluate((t) => (window as unknown as CallPageWindow).callPage.createOffer(t), 5_000),
      stepMs,
      `${a.user}: createOffer`,
    );
    const answer = await withTimeout(
      b.page.evaluate(([o, t]) => (window as unknown as CallPageWindow).callPage.acceptOffer(o, t), [
        offer,
        5_000,
      ] as const),
      stepMs,
      `${b.user}: acceptOffer`,
    );
    await withTimeout(
      a.page.evaluate((o) => (window as unknown as CallPageWindow).callPage.acceptAnswer(o), answer),
      stepMs,
      `${a.user}: acceptAnswer`,
    );
    await Promise.all(
      parties.map((p) =>
        withTimeout(
          p.page.evaluate((t) => (window as unknown as CallPageWindow).callPage.waitConnected(t), stepMs),
          stepMs + 1_000,
          `${p.user}: connecting`,
        ),
      ),
    );
    const connectedAt = Date.now();
    log(`connected; media for ${opts.durationMs} ms`);

    let capAppliedAt: number | null = null;
    for (;;) {
      const elapsed = Date.now() - connectedAt;
      if (opts.capBitrateAt !== undefined && capAppliedAt === null && elapsed >= opts.capBitrateAt) {
        await withTimeout(
          a.page.evaluate((bps) => (window as unknown as CallPageWindow).callPage.setMaxBitrate('video', bps), capBps),
          stepMs,
          `${a.user}: setParameters maxBitrate`,
        );
        capAppliedAt = Date.now();
        log(`${a.user}: video capped at ${capBps} bit/s`);
      }
      await Promise.all(parties.map((p) => withTimeout(sample(p), stepMs, `${p.user}: getStats`)));
      if (elapsed >= opts.durationMs) break;
      await new Promise((r) => setTimeout(r, Math.min(1_000, opts.durationMs - elapsed + 1)));
    }

    const finals = await Promise.all(
      parties.map((p) =>
        withTimeout(
          p.page.evaluate((t) => (window as unknown as CallPageWindow).callPage.hangUp(t), stepMs),
          stepMs + 1_000,
          `${p.user}: hang-up`,
        ),
      ),
    );
    const hungUpAt = Date.now();

    const participants = parties.map((p, i): CallParticipant => {
      const ids = [...new Set(p.sockets.map((s) => s.statsSessionId).filter((s): s is string => !!s))];
      if (ids.length === 0) throw new Error(`${p.user}: the rtcstats client never opened a socket`);
      return { user: p.user, statsSessionId: ids[0], sockets: p.sockets, final: finals[i], samples: p.samples };
    }) as [CallParticipant, CallParticipant];
    return { conference: opts.conference, participants, connectedAt, capAppliedAt, hungUpAt };
  } finally {
    await Promise.all(
      parties.map((p) => withTimeout(p.context.close(), 10_000, `${p.user}: closing context`).catch(() => {})),
    );
    await ownServer?.close();
  }
}

/** Average bit/s of a counter between two instants (the nearest samples inside [from, to]). */
export function averageBitrate(
  samples: MediaCounters[],
  key: 'outAudioBytes' | 'outVideoBytes' | 'inAudioBytes' | 'inVideoBytes',
  from: number,
  to: number,
): number | null {
  const inside = samples.filter((s) => s.t >= from && s.t <= to);
  if (inside.length < 2) return null;
  const first = inside[0];
  const last = inside[inside.length - 1];
  if (last.t <= first.t) return null;
  return (8 * (last[key] - first[key]) * 1000) / (last.t - first.t);
}
