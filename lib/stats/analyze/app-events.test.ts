/**
 * The page's own trace calls, from real dumps with trace lines added the way a page's `trace(name, null, value)`
 * adds them (rtcstats-js: a frame with a time delta before the server's close line; Jitsi: an entry with its
 * absolute time): kept and bounded, `metadata` merged, `feedback` last, the same in a live (incremental) analysis,
 * and nothing of the fixtures' own API calls taken for the page's.
 */

import { readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, fixturePath, readFixture } from '../../../test/helpers/fixtures';
import { analyzeBuffer } from './analyze';
import type { SessionAnalysis } from './types';
import { isAppEvent, loggedEvent } from './app-events';
import { IncrementalAnalysis } from './incremental-analysis';

const skip = !HAVE_FIXTURES;
if (skip) console.warn(`app-events: ${SKIP_FIXTURES_MESSAGE}`);

/** An rtcstats-js dump with `frames` traced just before the client hung up (before the server's close line). */
function rtcstatsWith(file: string, frames: unknown[][]): Buffer {
  const lines = readFixture('rtcstats-js', file).toString('utf8').trimEnd().split('\n');
  const close = lines.pop() as string;
  expect(close.startsWith('["close",null,')).toBe(true);
  return Buffer.from(`${[...lines, ...frames.map((f) => JSON.stringify(f)), close].join('\n')}\n`);
}

/** A Jitsi dump with `entries` ([method, pc, value]) after its last entry, a second apart. */
function jitsiWith(file: string, entries: unknown[][]): Buffer {
  const lines = readFixture('jitsi', file).toString('utf8').trimEnd().split('\n');
  const last = JSON.parse(lines.at(-1) as string)[3] as number;
  const added = entries.map((e, i) => JSON.stringify([...e, last + 1000 * (i + 1)]));
  return Buffer.from(`${[...lines, ...added].join('\n')}\n`);
}

const LONG_NAME = `:${'n'.repeat(200)}`;
const BIG_VALUE = { blob: 'x'.repeat(5000) };

describe.skipIf(skip)('app events in an rtcstats-js dump', () => {
  // Built before the tests, not while they are collected: a skipped describe is still collected, and a clone
  // without the fixtures would fail reading them.
  let dump: Buffer;
  let a: SessionAnalysis;
  beforeAll(() => {
    dump = rtcstatsWith('standup-alice.rtcstats', [
      ['metadata', null, { plan: 'free', region: 'eu-west', seats: 3 }, 10],
      [':checkoutOpened', null, { step: 2 }, 5],
      ['metadata', null, { plan: 'pro', appVersion: '4.2.1', 'bad key': 'x', nested: { a: 1 }, empty: ' ' }, 5],
      ['feedback', null, { rating: 4 }, 5],
      ['feedback', null, { rating: 9, comment: 'not a rating' }, 5],
      [':feedback', null, { rating: 2, comment: '  echo <b>loud</b>  ' }, 5],
      [LONG_NAME, 'PC_0', BIG_VALUE, 5],
      ['myAppEvent', 'PC_unknown', { x: 1 }, 5],
    ]);
    a = analyzeBuffer(dump);
  });

  test('metadata merges, the last value of a key wins; keys that cannot be search terms and non-values are dropped', () => {
    expect(a.app.metadata).toEqual({ plan: 'pro', region: 'eu-west', seats: 3, appVersion: '4.2.1' });
  });

  test('the last valid feedback counts; an out-of-range rating is ignored; the comment is kept as text, trimmed', () => {
    expect(a.app.feedback).toMatchObject({ rating: 2, comment: 'echo <b>loud</b>' });
    expect(a.app.feedback?.time).toBeGreaterThan(a.app.events[0].time);
  });

  test('every app event is kept in order, names and values bounded; the fixture’s own calls are not among them', () => {
    expect(a.app.eventCount).toBe(8);
    expect(a.app.events.map((e) => e.name.slice(0, 12))).toEqual([
      'metadata',
      ':checkoutOpe',
      'metadata',
      'feedback',
      'feedback',
      ':feedback',
      `:${'n'.repeat(11)}`,
      'myAppEvent',
    ]);
    const long = a.app.events[6];
    expect(long.name).toHaveLength(64);
    expect(long.name.endsWith('…')).toBe(true);
    expect(typeof long.value).toBe('string');
    expect((long.value as string).length).toBe(1024);
    expect(long.pc).toBe('PC_0');
    expect(a.app.events[1].value).toEqual({ step: 2 });
    // Times follow the dump's delta chain: after everything the client traced before.
    expect(a.app.events[0].time).toBeGreaterThan(a.start as number);
    for (let i = 1; i < a.app.events.length; i++) expect(a.app.events[i].time - a.app.events[i - 1].time).toBe(5);
  });

  test('an app event naming a peer connection that does not exist creates none', () => {
    expect(a.peerConnections.map((pc) => pc.pc)).toEqual(['PC_0']);
    expect(a.app.events.at(-1)?.pc).toBe('PC_unknown');
  });

  test('the rest of the analysis is what the dump without them gives', () => {
    const plain = analyzeBuffer(readFixture('rtcstats-js', 'standup-alice.rtcstats'));
    expect(a.tracks).toEqual(plain.tracks);
    expect(a.issues).toEqual(plain.issues);
    expect(plain.app).toEqual({ metadata: null, feedback: null, events: [], eventCount: 0 });
  });

  test('a live analysis, fed line by line with snapshots, ends with the same app data', () => {
    const live = new IncrementalAnalysis();
    let from = 0;
    for (let i = dump.indexOf(10); i >= 0; i = dump.indexOf(10, i + 1)) {
      live.push(dump.subarray(from, i + 1));
      from = i + 1;
      live.snapshot();
    }
    expect(live.finish().app).toEqual(a.app);
  });

  test('the event log marks and bounds the page’s own events and leaves API calls as they are', () => {
    const big = { pc: null, type: LONG_NAME, time: 1, value: BIG_VALUE, extra: [] };
    const logged = loggedEvent('rtcstats', big);
    expect(logged.app).toBe(true);
    expect(logged.type).toHaveLength(64);
    expect(logged.value).toBe(`${JSON.stringify(BIG_VALUE).slice(0, 1023)}…`);
    const sdp = { pc: 'PC_0', type: 'setRemoteDescription', time: 1, value: { sdp: 'v=0'.repeat(900) }, extra: [] };
    expect(loggedEvent('rtcstats', sdp)).toBe(sdp);
    expect(loggedEvent('webrtc-internals', big)).toBe(big);
  });
});

describe.skipIf(skip)('app events in a Jitsi dump', () => {
  test('metadata and feedback entries map the same way, also as JSON strings; jitsi-meet’s own entries are app events', () => {
    const a = analyzeBuffer(
      jitsiWith('chrome-relay.txt', [
        ['metadata', null, JSON.stringify({ plan: 'pro', tenant: 'acme' })],
        ['feedback', null, { score: 1, message: 'could not hear' }],
      ]),
    );
    expect(a.app.metadata).toEqual({ plan: 'pro', tenant: 'acme' });
    expect(a.app.feedback).toMatchObject({ rating: 1, comment: 'could not hear' });
    expect(a.app.events.map((e) => e.name)).toEqual([
      'conferenceStartTimestamp',
      'faceLandmarks',
      'metadata',
      'feedback',
    ]);
  });
});

describe.skipIf(skip)('no fixture’s API calls count as the page’s own', () => {
  const files = skip
    ? []
    : ['rtcstats-js', 'jitsi', 'webrtc-internals'].flatMap((dir) =>
        readdirSync(fixturePath(dir))
          .filter((f) => f !== 'LICENSE')
          .map((f) => [dir, f] as const),
      );
  // What jitsi-meet traces of its own in these dumps; everything else in them is an API call Callscope knows.
  const JITSI_MEET = new Set(['conferenceStartTimestamp', 'faceLandmarks', 'dominantSpeaker']);

  test.each(files)('%s/%s', (dir, file) => {
    const raw = readFixture(dir, file);
    const a = analyzeBuffer(file.endsWith('.gz') ? gunzipSync(raw) : raw);
    for (const e of a.app.events) expect(JITSI_MEET.has(e.name), e.name).toBe(true);
    if (dir !== 'jitsi') expect(a.app.eventCount).toBe(0);
    expect(a.app.metadata).toBeNull();
    expect(a.app.feedback).toBeNull();
  });

  test('names the decoders pass through are told apart by format', () => {
    expect(isAppEvent('rtcstats', 'navigator.mediaDevices.getUserMediaOnSuccess')).toBe(false);
    expect(isAppEvent('jitsi', 'getUserMediaOnFailure')).toBe(false);
    expect(isAppEvent('rtcstats', ':server')).toBe(false);
    expect(isAppEvent('rtcstats', '99')).toBe(false);
    expect(isAppEvent('rtcstats', ':userRating')).toBe(true);
    expect(isAppEvent('webrtc-internals', 'transceiverAdded')).toBe(false);
  });
});
