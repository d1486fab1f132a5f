/**
 * A real WebRTC mesh call between Chromium pages (fake camera and microphone; one peer connection per pair of
 * parties), each page instrumented by the real `@jitsi/rtcstats` client and streaming to Callscope, the media of
 * every connection through a `UdpRelay` (e2e/support/udp-relay.ts) that the test can impair. A two-party call is
 * a mesh of two.
 *
 * Signaling is relayed by the harness, non-trickle: for each pair (i < j) users[i] offers, users[j] answers, and
 * each SDP passes `relay.rewriteSdp` so only relay addresses are advertised. Once every connection is connected,
 * `onConnected` runs (start the impairment there: the fault starts at a known time), then media flows for
 * `durationMs` with the scheduled `actions`, then the parties hang up one after the other (`hangUpGapMs` apart, as
 * people do): peer connections closed, rtcstats sockets closed with 3001.
 */
import type { Browser } from 'playwright-core';
import type { CallPageWindow, CallPageStatus, MediaCounters } from './call-page/types';
import {
  type CallPageServer,
  initParty,
  type ObservedSocket,
  openParty,
  type Party,
  resolveToken,
  startCallPageServer,
  withTimeout,
} from './jitsi-call';
import type { RelayCounters, UdpRelay } from './udp-relay';

/** `sender.setParameters({encodings: [{maxBitrate}]})` on a user's senders of one kind. */
export interface SetMaxBitrateAction {
  /** Ms after connecting. */
  atMs: number;
  action: 'setMaxBitrate';
  user: string;
  kind: 'audio' | 'video';
  bps: number;
  /** Only this peer connection of the user's (default: all of them). */
  peer?: string;
}

/** Anything else at a given moment, e.g. `relay.setPolicy(...)` to start an impairment mid-call. */
export interface RunAction {
  atMs: number;
  action: 'run';
  label: string;
  run: () => unknown;
}

export type MeshAction = SetMaxBitrateAction | RunAction;

export type AppliedAction =
  | (SetMaxBitrateAction & { at: number; senders: number })
  | (Omit<RunAction, 'run'> & { at: number });

export interface MeshCallOptions {
  browser: Browser;
  /** Callscope's WebSocket base, e.g. `ws://127.0.0.1:3000` (no trailing slash). */
  callscopeWsUrl: string;
  /** Ingest token per user (the `/t/<token>/` path segment) or one for all. */
  token?: string | ((user: string) => string | Promise<string>);
  conference: string;
  meetingFqn?: string;
  /** Each is the identity's displayName and the peer id the others use for their connection to it. */
  users: string[];
  /** How long media flows once every connection is connected. */
  durationMs: number;
  /** Every SDP passes through it; without one the peers connect directly. */
  relay?: UdpRelay;
  /** Runs once connected (e.g. `relay.setPolicy(...)`); its returned time (or now) is the impairment start. */
  onConnected?: (connectedAt: number) => number | undefined | Promise<number | undefined>;
  actions?: MeshAction[];
  /** Camera constraints. Default 320×240 at 15 fps (to spare the CPU). */
  video?: { width: number; height: number; frameRate: number };
  /** Who hangs up first (default: `users` in order). */
  hangUpOrder?: string[];
  /** Pause between one party's hang-up and the next's (default 1500 ms). */
  hangUpGapMs?: number;
  pollIntervalMs?: number;
  sendSdp?: boolean;
  pageServer?: CallPageServer;
  /** Bound for each step (default 20 s). */
  stepTimeoutMs?: number;
  /** Page samples period (default 1000 ms). */
  sampleEveryMs?: number;
  log?: (line: string) => void;
}

export interface MeshParticipant {
  user: string;
  statsSessionId: string;
  sockets: ObservedSocket[];
  final: CallPageStatus;
  /** The page's own counters (per peer too), one sample per `sampleEveryMs` from connect to hang-up. */
  samples: MediaCounters[];
  hungUpAt: number;
}

export interface MeshCallResult {
  conference: string;
  users: string[];
  connectedAt: number;
  /** When `onConnected` returned (or the time it returned); null without a hook. */
  impairedAt: number | null;
  actions: AppliedAction[];
  participants: MeshParticipant[];
  /** `hungUpAt` of each user. */
  hungUpAt: Record<string, number>;
  relay: RelayCounters | null;
}

export async function runMeshCall(opts: MeshCallOptions): Promise<MeshCallResult> {
  const stepMs = opts.stepTimeoutMs ?? 20_000;
  const log = opts.log ?? (() => {});
  const { users } = opts;
  if (users.length < 2 || new Set(users).size !== users.length) throw new Error('a mesh needs ≥ 2 distinct users');
  const ownServer = opts.pageServer ? null : await startCallPageServer();
  const pageServer = opts.pageServer ?? ownServer;
  if (!pageServer) throw new Error('no call page server');
  const parties = new Map<string, Party>();
  const party = (user: string) => {
    const p = parties.get(user);
    if (!p) throw new Error(`unknown user ${user}`);
    return p;
  };
  try {
    for (const user of users) parties.set(user, await openParty(opts, pageServer.url, user, stepMs, log));
    const base = opts.callscopeWsUrl.replace(/\/+$/, '');
    for (const user of users) {
      const token = await resolveToken(opts.token, user);
      await initParty(
        party(user),
        {
          endpoint: token ? `${base}/t/${encodeURIComponent(token)}` : base,
          meetingFqn: opts.meetingFqn ?? opts.conference,
          user,
          conference: opts.conference,
          pollIntervalMs: opts.pollIntervalMs ?? 1000,
          pingIntervalMs: 5_000,
          sendSdp: opts.sendSdp ?? false,
          peers: users.filter((u) => u !== user),
          video: opts.video ?? { width: 320, height: 240, frameRate: 15 },
        },
        stepMs,
      );
    }

    for (let i = 0; i < users.length; i++) {
      for (let j = i + 1; j < users.length; j++) {
        const [a, b] = [party(users[i]), party(users[j])];
        const offer = await withTimeout(
          a.page.evaluate(([t, peer]) => (window as unknown as CallPageWindow).callPage.createOffer(t, peer), [
            5_000,
            b.user,
          ] as const),
          stepMs,
          `${a.user}→${b.user}: createOffer`,
        );
        if (opts.relay && offer.sdp) offer.sdp = await opts.relay.rewriteSdp(offer.sdp, a.user, b.user);
        const answer = await withTimeout(
          b.page.evaluate(([o, t, peer]) => (window as unknown as CallPageWindow).callPage.acceptOffer(o, t, peer), [
            offer,
            5_000,
            a.user,
          ] as const),
          stepMs,
          `${b.user}←${a.user}: acceptOffer`,
        );
        if (opts.relay && answer.sdp) answer.sdp = await opts.relay.rewriteSdp(answer.sdp, b.user, a.user);
        await withTimeout(
          a.page.evaluate(([o, peer]) => (window as unknown as CallPageWindow).callPage.acceptAnswer(o, peer), [
            answer,
            b.user,
          ] as const),
          stepMs,
          `${a.user}←${b.user}: acceptAnswer`,
        );
      }
    }
    await Promise.all(
      users.map((u) =>
        withTimeout(
          party(u).page.evaluate((t) => (window as unknown as CallPageWindow).callPage.waitConnected(t), stepMs),
          stepMs + 1_000,
          `${u}: connecting`,
        ),
      ),
    );
    const connectedAt = Date.now();
    log(`connected (${users.join(', ')}); media for ${opts.durationMs} ms`);
    let impairedAt: number | null = null;
    if (opts.onConnected) impairedAt = (await opts.onConnected(connectedAt)) ?? Date.now();

    const pending = [...(opts.actions ?? [])].sort((x, y) => x.atMs - y.atMs);
    const applied: MeshCallResult['actions'] = [];
    const sampleEvery = opts.sampleEveryMs ?? 1000;
    const sampleAll = () =>
      Promise.all(
        users.map(async (u) => {
          const p = party(u);
          p.samples.push(
            await withTimeout(
              p.page.evaluate(() => (window as unknown as CallPageWindow).callPage.counters()),
              stepMs,
              `${u}: getStats`,
            ),
          );
        }),
      );
    // Bounded: one pass per sample period until durationMs (plus the actions' awaits, each bounded).
    const maxPasses = Math.ceil(opts.durationMs / Math.min(sampleEvery, 1000)) + 10;
    for (let pass = 0; pass < maxPasses; pass++) {
      const elapsed = Date.now() - connectedAt;
      while (pending.length > 0 && pending[0].atMs <= elapsed) {
        const a = pending.shift() as MeshAction;
        if (a.action === 'run') {
          await withTimeout(Promise.resolve(a.run()), stepMs, a.label);
          applied.push({ atMs: a.atMs, action: 'run', label: a.label, at: Date.now() });
          log(`${a.label} at ${Date.now() - connectedAt} ms`);
          continue;
        }
        const senders = await withTimeout(
          party(a.user).page.evaluate(
            ([k, bps, peer]) => (window as unknown as CallPageWindow).callPage.setMaxBitrate(k, bps, peer),
            [a.kind, a.bps, a.peer] as const,
          ),
          stepMs,
          `${a.user}: setParameters maxBitrate`,
        );
        applied.push({ ...a, at: Date.now(), senders });
        log(`${a.user}: ${a.kind} maxBitrate ${a.bps} on ${senders} sender(s)`);
      }
      await sampleAll();
      const now = Date.now() - connectedAt;
      if (now >= opts.durationMs) break;
      const nextAction = pending[0]?.atMs ?? Infinity;
      await new Promise((r) =>
        setTimeout(r, Math.max(1, Math.min(sampleEvery, opts.durationMs - now, nextAction - now))),
      );
    }

    const order = [...(opts.hangUpOrder ?? []), ...users.filter((u) => !opts.hangUpOrder?.includes(u))];
    const gap = opts.hangUpGapMs ?? 1500;
    const hungUpAt: Record<string, number> = {};
    const finals: Record<string, CallPageStatus> = {};
    for (const [k, u] of order.entries()) {
      if (k > 0) await new Promise((r) => setTimeout(r, gap));
      finals[u] = await withTimeout(
        party(u).page.evaluate((t) => (window as unknown as CallPageWindow).callPage.hangUp(t), stepMs),
        stepMs + 1_000,
        `${u}: hang-up`,
      );
      hungUpAt[u] = Date.now();
      log(`${u}: hung up`);
    }

    const participants = users.map((u): MeshParticipant => {
      const p = party(u);
      const ids = [...new Set(p.sockets.map((s) => s.statsSessionId).filter((s): s is string => !!s))];
      if (ids.length === 0) throw new Error(`${u}: the rtcstats client never opened a socket`);
      return {
        user: u,
        statsSessionId: ids[0],
        sockets: p.sockets,
        final: finals[u],
        samples: p.samples,
        hungUpAt: hungUpAt[u],
      };
    });
    return {
      conference: opts.conference,
      users: [...users],
      connectedAt,
      impairedAt,
      actions: applied,
      participants,
      hungUpAt,
      relay: opts.relay?.counters() ?? null,
    };
  } finally {
    await Promise.all(
      [...parties.values()].map((p) =>
        withTimeout(p.context.close(), 10_000, `${p.user}: closing context`).catch(() => {}),
      ),
    );
    await ownServer?.close();
  }
}
