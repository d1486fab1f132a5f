/**
 * Stream presence on real dumps: which sender tracks start and stop being sent, named by their track ids, at the
 * samples' client times; one stream per track however many peer connections and simulcast layers carry it; a
 * screen share (the alice dump with its camera announced as a getDisplayMedia result) that stops mid-call says
 * `mediaStopped`; and pushing a dump in chunks gives what decoding it at once gives.
 */

import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, readFixture, readRtcstatsFixture, SKIP_FIXTURES_MESSAGE } from '../../../test/helpers/fixtures';
import { CollectingSink } from '../decode/collect';
import { decodeDump } from '../decode/detect';
import { IncrementalAnalysis } from './incremental-analysis';
import { type StreamChange, StreamPresence } from './stream-presence';

const skip = !HAVE_FIXTURES;
if (skip) console.warn(`stream-presence: ${SKIP_FIXTURES_MESSAGE}`);

function changesOf(bytes: Buffer, chunk = bytes.length): StreamChange[] {
  const presence = new StreamPresence();
  const live = new IncrementalAnalysis(presence);
  const out: StreamChange[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    live.push(bytes.subarray(i, i + chunk));
    out.push(...presence.take());
  }
  live.finish();
  return [...out, ...presence.take()];
}

/** An rtcstats-js dump file (RTCStatsDump, metadata, frames) from frames. */
function rtcstatsDump(file: string, frames: string[]): Buffer {
  const f = readRtcstatsFixture(file);
  return Buffer.from(['RTCStatsDump', JSON.stringify(f.metadata), ...frames, ''].join('\n'));
}

describe.skipIf(skip)('stream presence', () => {
  test('rtcstats-js: each sent track starts with its first sent bytes and stops when its connection closes', () => {
    const bytes = readFixture('rtcstats-js', 'standup-alice.rtcstats');
    const decoded = new CollectingSink();
    decodeDump(bytes, decoded);
    const samples = decoded.dump.stats.PC_0;
    const firstSent = (kind: string) =>
      samples.find((s) =>
        Object.values(s.reports).some((r) => r.type === 'outbound-rtp' && r.kind === kind && Number(r.bytesSent) > 0),
      )?.time;
    const closedAt = decoded.dump.events.find((e) => e.pc === 'PC_0' && e.type === 'close')?.time;

    expect(changesOf(bytes)).toEqual([
      { change: 'started', id: '6268759c-c2f2-47a1-96f2-376d6257c677', kind: 'audio', at: firstSent('audio') },
      {
        change: 'started',
        id: '5a690ef7-4f84-4905-92fb-3f5f14eee6df',
        kind: 'video',
        videoType: 'camera',
        at: firstSent('video'),
      },
      {
        change: 'stopped',
        id: '6268759c-c2f2-47a1-96f2-376d6257c677',
        kind: 'audio',
        at: closedAt,
        reason: 'clientDisconnected',
      },
      {
        change: 'stopped',
        id: '5a690ef7-4f84-4905-92fb-3f5f14eee6df',
        kind: 'video',
        videoType: 'camera',
        at: closedAt,
        reason: 'clientDisconnected',
      },
    ]);
    // The audio's first sample already carried a packet; the video's first frames came a second later.
    expect(firstSent('video')).toBeGreaterThan(firstSent('audio') ?? Number.POSITIVE_INFINITY);
  });

  test('Jitsi P2P then bridge: one stream per track across connections and simulcast layers', () => {
    const changes = changesOf(readFixture('jitsi', 'google-standard-stats-p2p.txt'), 64 * 1024);
    // The camera goes out on the P2P connection and on the bridge's (three simulcast layers), then the P2P
    // connection closes: still the same two streams, sent until the session ends.
    expect(changes.map((c) => [c.change, c.id, c.kind, c.videoType])).toEqual([
      ['started', 'c9a9984e-3ac8-41e5-bf66-1f4f7098f230', 'audio', undefined],
      ['started', '30bb2010-3c2e-4509-a5d6-6fc4d00257d2', 'video', 'camera'],
    ]);
  });

  test('Firefox reports no sender track: streams are named by their ssrc', () => {
    const changes = changesOf(readFixture('jitsi', 'firefox-standard-stats-sfu.txt'));
    expect(changes.map((c) => `${c.change} ${c.id} ${c.kind}`)).toEqual([
      'started ssrc:1426121629 audio',
      'started ssrc:271883463 video',
    ]);
  });

  test('a screen share stopped mid-call is mediaStopped; the microphone goes on until the connection closes', () => {
    const f = readRtcstatsFixture('standup-alice.rtcstats');
    const camera = '5a690ef7-4f84-4905-92fb-3f5f14eee6df';
    const gum = f.frames.findIndex((l) => l.startsWith('[61,null,'));
    const frames = [...f.frames];
    // Mid-call (after the 40th getStats), the shared screen's track is stopped; its sender stays and keeps
    // reporting, which must not start it again.
    const middle = frames.flatMap((l, i) => (l.startsWith('["g"') ? [i] : []))[40];
    frames.splice(middle, 0, `[70,null,[],"${camera}","63-0",0]`);
    // The camera's track announced as getDisplayMedia's result (method 64), at the same time (delta 0).
    frames.splice(gum + 1, 0, `[64,null,[["video","${camera}","screen:0:0","a3304f72"]],"63-0",0]`);
    const changes = changesOf(rtcstatsDump('standup-alice.rtcstats', frames), 8 * 1024);

    expect(changes.map((c) => [c.change, c.kind, c.videoType, c.reason])).toEqual([
      ['started', 'audio', undefined, undefined],
      ['started', 'video', 'screen', undefined],
      ['stopped', 'video', 'screen', 'mediaStopped'],
      ['stopped', 'audio', undefined, 'clientDisconnected'],
    ]);
    const decoded = new CollectingSink();
    decodeDump(rtcstatsDump('standup-alice.rtcstats', frames), decoded);
    const stop = decoded.dump.events.find((e) => e.type === 'MediaStreamTrack.stop');
    expect(changes[2].at).toBe(stop?.time);
    expect(changes[2].at).toBeLessThan(changes[3].at);
  });

  test('pushed in small chunks, the same changes as decoded at once', () => {
    for (const [dir, file] of [
      ['rtcstats-js', 'standup-bob.rtcstats'],
      ['jitsi', 'safari-standard-stats.txt'],
      ['jitsi', 'chrome-standard-pc-reconnect.txt'],
    ]) {
      const bytes = readFixture(dir, file);
      const whole = changesOf(bytes);
      expect(whole.length, file).toBeGreaterThan(0);
      expect(changesOf(bytes, 1500), file).toEqual(whole);
    }
  });
});
