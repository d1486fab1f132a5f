import WebSocket from 'ws';
import { generateAuthToken, type RtcstatsIdentity } from '../../lib/shared/auth-token';
import type { RtcstatsFixture } from './fixtures';

/** Opens an ingest WebSocket the way a browser running rtcstats-js does. */
export function openIngestSocket(
  wsUrl: string,
  opts: { token?: string; path?: string; userAgent?: string; origin?: string; protocol?: string } = {},
): WebSocket {
  const q = opts.token !== undefined ? `?rtcstats-token=${encodeURIComponent(opts.token)}` : '';
  return new WebSocket(`${wsUrl}${opts.path ?? '/standup'}${q}`, opts.protocol ?? 'rtcstats#5.0', {
    headers: {
      'User-Agent': opts.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
      ...(opts.origin ? { Origin: opts.origin } : {}),
    },
  });
}

/** Resolves once the socket is open, also when it opened before the call (a caller awaited something meanwhile). */
export function waitOpen(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.OPEN) return resolve();
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

export function waitClose(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve({ code: -1, reason: 'already closed' });
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

/** Replays a recorded rtcstats-js dump over a real WebSocket with a freshly minted token, as fast as possible. */
export async function replayFixture(
  wsUrl: string,
  fixture: RtcstatsFixture,
  identity: RtcstatsIdentity,
  secret: string,
  opts: { paceMs?: number; extraFrames?: unknown[][] } = {},
): Promise<{ code: number; reason: string }> {
  const token = await generateAuthToken(identity, secret, 600);
  const ws = openIngestSocket(wsUrl, {
    token,
    path: new URL(fixture.metadata.url, 'http://x').pathname,
    userAgent: fixture.metadata.userAgent,
    origin: fixture.metadata.origin,
  });
  await waitOpen(ws);
  // Frames the page traced of its own after the recording, e.g. `["metadata", null, {...}, delta]`.
  for (const frame of [...fixture.frames, ...(opts.extraFrames ?? []).map((f) => JSON.stringify(f))]) {
    ws.send(frame);
    if (opts.paceMs) await new Promise((r) => setTimeout(r, opts.paceMs));
  }
  const closed = waitClose(ws);
  ws.close(fixture.closeCode === 1005 ? 1000 : fixture.closeCode);
  return closed;
}

/** Polls until `check` returns a value (the server ends sessions asynchronously after close). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
