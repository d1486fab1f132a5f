import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test';
import type { ConferenceDetail, SessionDetail, SessionPage, TrackDto } from '../lib/schemas/read-api';
import type { FaultLocation, FaultVerdict } from '../lib/stats/analyze/fault-location';
import { lossPct } from '../lib/stats/analyze/loss';
import { generateAuthToken } from '../lib/shared/auth-token';
import { screenshot, signIn } from './fixtures';
import { E2E_JWT_SECRET } from './staff';
import { CHROMIUM_PATH, chromiumAvailable } from './support/jitsi-call';
import { type MeshAction, type MeshCallResult, runMeshCall } from './support/mesh-call';
import { downloadOf, link, type StreamCounters, streamLossOf, UdpRelay, uploadOf } from './support/udp-relay';

/**
 * Issue 12, item 5: real Chromium peers instrumented by the real @jitsi/rtcstats client, their media through a UDP
 * relay (e2e/support/udp-relay.ts) that drops, shapes or leaves alone each direction, so Callscope's loss figures
 * can be checked against what was really dropped, and its fault verdicts against where the fault really was.
 * Artifacts for tuning the analyser: e2e/artifacts/lossy/<case>/ (saved before any assertion).
 */

const CALL_MS = 30_000;
/** When the bitrate cases (d, e) start their impairment: a before and an after. */
const LATE_MS = 12_000;
/** Alice's shared upload in case d. */
const UPLOAD_BPS = 300_000;
/**
 * Case e: per-sender video cap. Picked from case d, where the 300 kbit/s uplink leaves each of Alice's two video
 * streams at about this (see e2e/README.md).
 */
const CAP_BPS = 60_000;
/**
 * The bitrate cases need Alice to send well above the 300 kbit/s uplink before it starts: at 320×240 the fake
 * camera's VP8 stream is only ≈160 kbit/s.
 */
const BITRATE_VIDEO = { width: 640, height: 480, frameRate: 15 };
/**
 * Loss cases: one drop in every 20 packets of each stream at a random place (`stratified`), so every second of the
 * call really is ≈5% and the fault starts when the relay starts it. `E2E_LOSS_MODEL=bernoulli` drops each packet
 * independently instead (a 50 packet/s stream then has seconds of 2% and of 10%).
 */
const LOSS = { lossPct: 5, lossModel: process.env.E2E_LOSS_MODEL === 'bernoulli' ? 'bernoulli' : 'stratified' } as const;
const ROOT = path.resolve(import.meta.dirname, '..');
const ARTIFACTS = path.join(ROOT, 'e2e/artifacts/lossy');
const TIMING_MS = 5_000;

type Location = FaultLocation;
type Verdict = FaultVerdict;
type Pair = ConferenceDetail['pairs'][number];

/** What a pair must show: no verdict, or verdict(s) like this; `undefined` = not asserted. */
type Expectation =
  | { none: true }
  | {
      location: Location;
      /** Exactly one verdict (else: at least one with this location). */
      exactlyOne?: boolean;
      messageIncludes?: RegExp;
      bitrateCause?: Verdict['bitrateCause'];
      /** start ≈ impairment start, end ≈ the earlier hang-up of sender and receiver (± 5 s). */
      timing?: boolean;
    };

interface Case {
  name: string;
  title: string;
  users: string[];
  /** At connect (loss cases). */
  atConnect?: (relay: UdpRelay) => void;
  actions?: (relay: UdpRelay) => MeshAction[];
  expect: (sender: string, receiver: string, kind: 'audio' | 'video') => Expectation | undefined;
  /** Camera (default: the harness's 320×240 at 15 fps). */
  video?: { width: number; height: number; frameRate: number };
}

const NONE: Expectation = { none: true };

const CASES: Case[] = [
  {
    name: 'a',
    title: 'two-party: 5% loss on everything alice sends to bob',
    users: ['alice', 'bob'],
    atConnect: (r) => r.setPolicy(link('alice', 'bob'), LOSS),
    expect: (s) =>
      s === 'alice'
        ? { location: 'unknown', exactlyOne: true, messageIncludes: /on the path from alice to bob/i, timing: true }
        : NONE,
  },
  {
    name: 'b',
    title: 'three-party mesh: 5% loss on everything alice sends',
    users: ['alice', 'bob', 'carol'],
    atConnect: (r) => r.setPolicy(uploadOf('alice'), LOSS),
    expect: (s) => (s === 'alice' ? { location: 'sender-uplink', exactlyOne: true, timing: true } : NONE),
  },
  {
    name: 'c',
    title: 'three-party mesh: 5% loss on everything bob receives',
    users: ['alice', 'bob', 'carol'],
    atConnect: (r) => r.setPolicy(downloadOf('bob'), LOSS),
    expect: (_s, r) => (r === 'bob' ? { location: 'receiver-downlink', exactlyOne: true, timing: true } : NONE),
  },
  {
    name: 'd',
    title: `three-party mesh: alice's upload limited to ${UPLOAD_BPS / 1000} kbit/s from ${LATE_MS / 1000} s`,
    users: ['alice', 'bob', 'carol'],
    video: BITRATE_VIDEO,
    actions: (r) => [
      {
        atMs: LATE_MS,
        action: 'run',
        label: `alice upload ${UPLOAD_BPS} bit/s`,
        run: () => r.setPolicy(uploadOf('alice'), { rateBps: UPLOAD_BPS }),
      },
    ],
    expect: (s, _r, k) =>
      s !== 'alice' ? NONE : k === 'video' ? { location: 'sender-uplink', bitrateCause: 'congestion' } : undefined,
  },
  {
    name: 'e',
    title: `three-party mesh: alice's video senders capped at ${CAP_BPS / 1000} kbit/s from ${LATE_MS / 1000} s`,
    users: ['alice', 'bob', 'carol'],
    video: BITRATE_VIDEO,
    actions: () => [{ atMs: LATE_MS, action: 'setMaxBitrate', user: 'alice', kind: 'video', bps: CAP_BPS }],
    expect: (s, _r, k) =>
      s !== 'alice' ? NONE : k === 'video' ? { location: 'sender-device', bitrateCause: 'sender-setting' } : undefined,
  },
];

interface LossRow {
  sender: string;
  receiver: string;
  kind: string;
  ssrc: number | null;
  rtxSsrc: number | null;
  /** lost / (lost + received − retransmitted): what the relay's drop count compares with. */
  callscopeLossPct: number | null;
  /** lost / (lost + received), the old figure (retransmissions counted as received): for comparison only. */
  callscopeLossPctWithRtx: number | null;
  callscopeAvgLossPct: number | null;
  packetsLost: number | null;
  /** Track summary `totalPackets`: inbound-rtp packetsReceived, retransmissions included. */
  packetsReceived: number | null;
  /** Track summary `packetsRetransmitted` (retransmittedPacketsReceived; null: not reported). */
  packetsRetransmitted: number | null;
  relayLossPct: number | null;
  relayForwarded: number;
  relayDropped: number;
  rtxForwarded: number | null;
  rtxDropped: number | null;
}

async function json<T>(ctx: BrowserContext, url: string): Promise<T> {
  const res = await ctx.request.get(url);
  if (!res.ok()) throw new Error(`GET ${url}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

async function save(dir: string, file: string, data: unknown): Promise<void> {
  await writeFile(path.join(dir, file), typeof data === 'string' ? data : `${JSON.stringify(data, null, 2)}\n`);
}

/** Alice's outbound video as Chromium reported it, per connection: before and after the late impairment. */
function senderReport(call: MeshCallResult, user: string, from: number) {
  const p = call.participants.find((x) => x.user === user);
  const out: Record<string, unknown> = {};
  for (const peer of call.users.filter((u) => u !== user)) {
    const rows = (p?.samples ?? []).map((s) => ({ t: s.t, c: s.peers?.[peer] })).filter((r) => r.c);
    const window = (a: number, b: number) => {
      const w = rows.filter((r) => r.t >= a && r.t < b);
      if (w.length < 2) return null;
      const first = w[0];
      const last = w[w.length - 1];
      const c0 = first.c as NonNullable<typeof first.c>;
      const c1 = last.c as NonNullable<typeof last.c>;
      const mean = (f: (c: NonNullable<typeof first.c>) => number | null) => {
        const v = w.map((r) => f(r.c as NonNullable<typeof first.c>)).filter((x): x is number => x !== null);
        return v.length ? Math.round(v.reduce((s, x) => s + x, 0) / v.length) : null;
      };
      const reasons: Record<string, number> = {};
      for (const r of w) {
        const reason = r.c?.outVideoLimitation ?? 'n/a';
        reasons[reason] = (reasons[reason] ?? 0) + 1;
      }
      return {
        videoBitrate: Math.round((8 * (c1.outVideoBytes - c0.outVideoBytes) * 1000) / (last.t - first.t)),
        audioBitrate: Math.round((8 * (c1.outAudioBytes - c0.outAudioBytes) * 1000) / (last.t - first.t)),
        targetBitrate: mean((c) => c.outVideoTargetBitrate),
        availableOutgoingBitrate: mean((c) => c.availableOutgoingBitrate),
        rttMs: mean((c) => (c.currentRoundTripTime === null ? null : c.currentRoundTripTime * 1000)),
        width: c1.outVideoWidth,
        fps: c1.outVideoFps,
        qualityLimitationReason: reasons,
      };
    };
    const end = Math.min(...Object.values(call.hungUpAt));
    out[peer] = { before: window(from - 10_000, from), after: window(from + 8_000, end) };
  }
  return out;
}

async function runCase(browser: Browser, page: Page, c: Case): Promise<void> {
  const baseURL = process.env.E2E_BASE_URL as string;
  const conference = `lossy-${c.name}-${Date.now().toString(36)}`;
  const dir = path.join(ARTIFACTS, c.name);
  await mkdir(dir, { recursive: true });
  const logLines: string[] = [];
  const log = (line: string) => logLines.push(`${new Date().toISOString()} ${line}`);

  const relay = new UdpRelay({ seed: 12, log });
  let call: MeshCallResult;
  try {
    call = await runMeshCall({
      browser,
      callscopeWsUrl: baseURL.replace(/^http/, 'ws'),
      token: (user) => generateAuthToken({ user, conference }, E2E_JWT_SECRET, 600),
      conference,
      users: c.users,
      durationMs: CALL_MS,
      relay,
      onConnected: c.atConnect
        ? () => {
            c.atConnect?.(relay);
            return undefined;
          }
        : undefined,
      actions: c.actions?.(relay),
      video: c.video,
      log,
    });
  } finally {
    await relay.close();
    await save(dir, 'harness.log', `${logLines.join('\n')}\n`);
  }
  const counters = call.relay;
  if (!counters) throw new Error('no relay counters');
  // The impairment start: the first policy change of the relay, else the first action (case e).
  const impairedAt = counters.policyChanges[0]?.at ?? call.actions[0]?.at ?? call.connectedAt;
  await save(dir, 'relay.json', counters);
  await save(dir, 'call.json', { ...call, relay: undefined, impairedAt });

  // Engineer: the API and the raw dumps.
  const engineer = await browser.newContext({ baseURL });
  try {
    await signIn(await engineer.newPage(), 'engineer');
    let listed: SessionPage['sessions'] = [];
    await expect
      .poll(
        async () => {
          listed = (await json<SessionPage>(engineer, `/api/v1/sessions?conference=${conference}&limit=50`)).sessions;
          return listed.filter((s) => s.processed).length;
        },
        { timeout: 90_000, intervals: [1000, 2000] },
      )
      .toBe(c.users.length);
    const conf = await json<ConferenceDetail>(engineer, `/api/v1/conferences/${encodeURIComponent(conference)}`);
    await save(dir, 'conference.json', conf);
    const details = new Map<string, SessionDetail>();
    for (const s of listed) {
      const detail = await json<SessionDetail>(engineer, `/api/v1/sessions/${s.id}`);
      details.set(s.id, detail);
      await save(dir, `session-${s.user}.json`, detail);
      const dump = await engineer.request.get(`/api/v1/sessions/${s.id}/dump`);
      await save(dir, `dump-${s.user}.rtcstats`, await dump.text());
    }
    const userOf = new Map(listed.map((s) => [s.id, s.user ?? s.id]));
    const pairs: Pair[] = conf.pairs;

    // Loss: Callscope's figure for each received stream next to what the relay dropped of that SSRC.
    const streamsTo = (to: string) => counters.streams.filter((s) => s.to === to);
    const rows: (LossRow & { pair: Pair })[] = pairs.map((pair) => {
      const receiver = userOf.get(pair.inbound.sessionId) ?? String(pair.inbound.userId);
      const track = details
        .get(pair.inbound.sessionId)
        ?.tracks.find((t: TrackDto) => t.trackKey === pair.inbound.trackId || t.id === pair.inbound.trackId);
      const ssrc = track?.ssrc ?? null;
      const media: StreamCounters | undefined = streamsTo(receiver).find((s) => s.ssrc === ssrc);
      const rtx = media ? streamsTo(receiver).find((s) => s.from === media.from && s.rtxOf === media.ssrc) : undefined;
      const sender = media?.from ?? (pair.outbound ? (userOf.get(pair.outbound.sessionId) ?? '?') : '?');
      const lost = track?.summary.packetsLost ?? null;
      const received = track?.summary.totalPackets ?? null;
      // Chrome's packetsReceived counts RTX too (NACK recoveries, probing padding sent as RTX): not original media.
      const retransmitted = track?.summary.packetsRetransmitted ?? null;
      const relayLoss = streamLossOf(media ?? null);
      return {
        pair,
        sender,
        receiver,
        kind: pair.kind,
        ssrc,
        rtxSsrc: rtx?.ssrc ?? null,
        callscopeLossPct: lost !== null && received !== null ? lossPct(lost, received, retransmitted ?? 0) : null,
        callscopeLossPctWithRtx: lost !== null && received !== null ? lossPct(lost, received) : null,
        callscopeAvgLossPct: pair.comparison?.receiverAvgLossPct ?? null,
        packetsLost: lost,
        packetsReceived: received,
        packetsRetransmitted: retransmitted,
        relayLossPct: relayLoss.lossPct,
        relayForwarded: relayLoss.forwarded,
        relayDropped: relayLoss.dropped,
        rtxForwarded: rtx?.forwarded ?? null,
        rtxDropped: rtx?.dropped ?? null,
      };
    });
    const lossTable = rows.map(({ pair: _p, ...r }) => r);
    const verdictTable = rows.map((r) => ({
      pair: `${r.sender} ${r.kind} → ${r.receiver}`,
      verdicts: r.pair.verdicts.map((v) => ({
        location: v.location,
        bitrateCause: v.bitrateCause,
        start: v.start - impairedAt,
        end: v.end - Math.min(call.hungUpAt[r.sender] ?? Infinity, call.hungUpAt[r.receiver] ?? Infinity),
        message: v.message,
      })),
    }));
    const hangUps = Object.entries(call.hungUpAt).map(([u, t]) => ({ user: u, at: t }));
    const disconnections = [...details.values()].flatMap((d) =>
      d.issues
        .filter((i) => i.type === 'disconnection')
        .map((i) => ({
          user: d.session.user,
          start: i.start,
          end: i.end,
          message: i.message,
          relativeToHangUps: Object.fromEntries(hangUps.map((h) => [h.user, i.start - h.at])),
        })),
    );
    const chromium = c.name === 'd' || c.name === 'e' ? senderReport(call, 'alice', impairedAt) : undefined;
    await save(dir, 'summary.json', {
      conference,
      impairedAt,
      connectedAt: call.connectedAt,
      hungUpAt: call.hungUpAt,
      loss: lossTable,
      verdicts: verdictTable,
      disconnections,
      issues: [...details.values()].map((d) => ({ user: d.session.user, issues: d.issues.map((i) => i.type) })),
      chromium,
    });
    console.log(`[lossy ${c.name}] ${c.title}\n${JSON.stringify({ loss: lossTable, verdictTable, chromium, disconnections }, null, 1)}`);

    // Every stream was received and paired to its sender.
    expect(pairs.length).toBe(c.users.length * (c.users.length - 1) * 2);
    for (const r of rows) {
      expect.soft(r.pair.outbound, `${r.sender} ${r.kind} → ${r.receiver}: paired`).not.toBeNull();
      if (r.pair.outbound) expect.soft(userOf.get(r.pair.outbound.sessionId)).toBe(r.sender);
      // The loss figure: within 1 percentage point of what the relay dropped of that SSRC.
      expect.soft(r.callscopeLossPct, `${r.sender} ${r.kind} → ${r.receiver}: Callscope loss`).not.toBeNull();
      expect.soft(r.relayLossPct, `${r.sender} ${r.kind} → ${r.receiver}: relay saw the SSRC`).not.toBeNull();
      if (r.callscopeLossPct !== null && r.relayLossPct !== null) {
        expect
          .soft(
            Math.abs(r.callscopeLossPct - r.relayLossPct),
            `${r.sender} ${r.kind} → ${r.receiver}: Callscope ${r.callscopeLossPct.toFixed(2)}% vs relay ${r.relayLossPct.toFixed(2)}%`,
          )
          .toBeLessThanOrEqual(1);
      }
    }

    // The hang-up is normal: no disconnection on any session.
    expect.soft(disconnections, 'no disconnection issue').toEqual([]);

    // Verdicts, to the contract.
    for (const r of rows) {
      const want = c.expect(r.sender, r.receiver, r.kind as 'audio' | 'video');
      const what = `${r.sender} ${r.kind} → ${r.receiver}`;
      const vs = r.pair.verdicts;
      if (!want) continue;
      if ('none' in want) {
        expect.soft(vs.map((v) => v.location), `${what}: no verdict`).toEqual([]);
        continue;
      }
      if (want.exactlyOne) expect.soft(vs.length, `${what}: exactly one verdict`).toBe(1);
      const v = vs.find((x) => x.location === want.location);
      expect.soft(vs.map((x) => x.location), `${what}: a '${want.location}' verdict`).toContain(want.location);
      if (!v) continue;
      expect.soft(typeof v.message === 'string' && v.message.length > 0, `${what}: message`).toBe(true);
      expect.soft(Array.isArray(v.reasons) && v.reasons.length > 0, `${what}: reasons`).toBe(true);
      if (want.messageIncludes) expect.soft(v.message, `${what}: message`).toMatch(want.messageIncludes);
      if (want.bitrateCause !== undefined) expect.soft(v.bitrateCause, `${what}: bitrateCause`).toBe(want.bitrateCause);
      if (want.timing) {
        const endRef = Math.min(call.hungUpAt[r.sender], call.hungUpAt[r.receiver]);
        expect.soft(Math.abs(v.start - impairedAt), `${what}: verdict start − impairment start (ms)`).toBeLessThanOrEqual(TIMING_MS);
        expect.soft(Math.abs(v.end - endRef), `${what}: verdict end − earlier hang-up (ms)`).toBeLessThanOrEqual(TIMING_MS);
      }
    }

    // The conference page, as support sees it.
    await signIn(page, 'support');
    await page.goto(`/conferences/${encodeURIComponent(conference)}`);
    const pairEls = page.getByTestId('pair');
    await expect(pairEls.first()).toBeVisible();
    const toggle = page.getByTestId('pairs-toggle');
    if ((await toggle.count()) > 0 && (await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
    await expect(pairEls).toHaveCount(pairs.length);
    for (const r of rows) {
      const el = page.locator(
        `[data-testid="pair"][data-sender="${r.sender}"][data-receiver="${r.receiver}"][data-kind="${r.kind}"]`,
      );
      await expect.soft(el, `${r.sender} ${r.kind} → ${r.receiver}: one pair element`).toHaveCount(1);
      await expect.soft(el).toHaveAttribute('data-fault', r.pair.verdicts[0]?.location ?? '');
      if (r.pair.verdicts.length > 0) {
        await expect.soft(el.getByTestId('verdict-text').first()).toBeVisible();
        // The evidence the verdict weighed is on the page, line by line.
        await expect.soft(el.getByTestId('verdict-evidence').first()).toContainText(r.pair.verdicts[0].reasons[0] ?? '');
      }
      const want = c.expect(r.sender, r.receiver, r.kind as 'audio' | 'video');
      if (want && !('none' in want)) await expect.soft(el).toHaveAttribute('data-fault', want.location);
      if (want && 'none' in want) await expect.soft(el).toHaveAttribute('data-fault', '');
    }
    await screenshot(page, `lossy-${c.name}`);
  } finally {
    await engineer.close();
  }
}

test.describe('lossy network: real Chromium peers through an impairing UDP relay', () => {
  test.skip(!chromiumAvailable(), `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

  for (const c of CASES) {
    test(`${c.name}: ${c.title}`, async ({ browser, page }) => {
      test.setTimeout(180_000);
      await runCase(browser, page, c);
    });
  }
});
