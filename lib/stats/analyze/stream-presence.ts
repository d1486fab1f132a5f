/**
 * When a live session starts and stops sending each of its tracks: session monitoring's streamCreated and
 * streamDestroyed (issue 14), derived from what the decoder delivers as the dump grows (fed beside the
 * incremental analysis, each frame decoded once). Pure: no clock, no I/O; `take()` hands over what changed.
 *
 * - A stream is a sender track, named by its MediaStreamTrack id (the outbound-rtp's `mediaSourceId` →
 *   media-source `trackIdentifier`, or its legacy `trackId` → track report); without either (Firefox) by
 *   `ssrc:<ssrc>`. Simulcast layers and the same track sent on several peer connections (Jitsi P2P + bridge) are
 *   one stream.
 * - It starts at the first sample in which one of its outbound-rtp streams has sent bytes (or packets).
 * - It stops when no peer connection's latest sample reports it any more (removed sender, closed connection), or
 *   when its track ends (`MediaStreamTrack.stop` / `onended` traced by rtcstats-js, a legacy track report's
 *   `ended: true`). An ended track never comes back.
 * - Screen: a track from getDisplayMedia, an outbound-rtp with `contentType: 'screenshare'`, or a Jitsi
 *   `setVideoType` desktop ssrc. A screen share that stops says `mediaStopped`; any other track `clientDisconnected`.
 *
 * The session's own end is not a stop here: the connection's end closes its streams with the connection's reason.
 */

import { isObject } from '../decode/values';
import type { StatsReport, StatsSample, TraceEvent } from '../model';
import { MediaTrackRegistry } from './media-tracks';
import { asNumber } from './values';

export interface StreamChange {
  change: 'started' | 'stopped';
  /** The sender track's id, else `ssrc:<ssrc>`. */
  id: string;
  kind: 'audio' | 'video';
  /** Video only. */
  videoType?: 'camera' | 'screen';
  /** Epoch ms: the sample's (or trace event's) client time. */
  at: number;
  /** Stopped: `mediaStopped` for a screen share, `clientDisconnected` for any other track. */
  reason?: 'mediaStopped' | 'clientDisconnected';
}

interface Seen {
  kind: 'audio' | 'video';
  sent: boolean;
  ended: boolean;
  screen: boolean;
}

const TRACK_ENDS = new Set(['MediaStreamTrack.stop', 'MediaStreamTrack.onended']);

export class StreamPresence {
  private readonly tracks = new MediaTrackRegistry();
  /** Per peer connection, the streams its latest sample reported. */
  private readonly perPc = new Map<string, Map<string, Seen>>();
  /** Streams being sent now. */
  private readonly open = new Map<string, { kind: 'audio' | 'video'; screen: boolean }>();
  /** Tracks that ended: a MediaStreamTrack never goes live again. */
  private readonly ended = new Set<string>();
  private changes: StreamChange[] = [];

  event(ev: TraceEvent): void {
    if (ev.pc !== null) {
      if (ev.type === 'close') this.connectionGone(ev.pc, ev.time);
      return;
    }
    if (ev.type.endsWith('getDisplayMediaOnSuccess')) this.tracks.addFrom(ev.value, true);
    else if (ev.type.endsWith('getUserMediaOnSuccess')) this.tracks.addFrom(ev.value);
    else if (ev.type === 'setVideoType') this.videoType(ev.value);
    else if (TRACK_ENDS.has(ev.type)) {
      const id = typeof ev.value === 'string' ? ev.value : typeof ev.extra[0] === 'string' ? ev.extra[0] : null;
      if (id !== null) this.trackEnded(id, ev.time);
    }
  }

  stats(sample: StatsSample): void {
    const reports = sample.reports;
    const now = new Map<string, Seen>();
    for (const r of Object.values(reports)) {
      if (r.type !== 'outbound-rtp' || r.isRemote === true) continue;
      const kind = r.kind ?? r.mediaType;
      if (kind !== 'audio' && kind !== 'video') continue;
      const ssrc = asNumber(r.ssrc);
      const source = senderTrack(r, reports);
      const id = source.id ?? (ssrc !== null ? `ssrc:${ssrc}` : `rtp:${r.id}`);
      const sent = positive(r.bytesSent) || positive(r.packetsSent);
      const screen =
        r.contentType === 'screenshare' ||
        this.tracks.get(source.id)?.screen === true ||
        (ssrc !== null && this.tracks.screenSsrcs.has(ssrc));
      const seen = now.get(id);
      if (seen === undefined) now.set(id, { kind, sent, ended: source.ended, screen });
      else {
        seen.sent ||= sent;
        seen.ended ||= source.ended;
        seen.screen ||= screen;
      }
    }
    this.perPc.set(sample.pc, now);
    for (const [id, seen] of now) {
      if (seen.ended) this.trackEnded(id, sample.time);
      else if (seen.sent && !this.open.has(id) && !this.ended.has(id)) this.start(id, seen, sample.time);
      else if (seen.screen && this.open.get(id)?.screen === false) this.open.set(id, { kind: seen.kind, screen: true });
    }
    this.stopUnreported(sample.time);
  }

  /** What changed since the last call, oldest first. */
  take(): StreamChange[] {
    const out = this.changes;
    this.changes = [];
    return out;
  }

  private start(id: string, seen: Seen, at: number): void {
    this.open.set(id, { kind: seen.kind, screen: seen.screen });
    this.changes.push({
      change: 'started',
      id,
      kind: seen.kind,
      ...(seen.kind === 'video' ? { videoType: seen.screen ? 'screen' : 'camera' } : {}),
      at,
    });
  }

  private stop(id: string, at: number): void {
    const open = this.open.get(id);
    if (open === undefined) return;
    this.open.delete(id);
    this.changes.push({
      change: 'stopped',
      id,
      kind: open.kind,
      ...(open.kind === 'video' ? { videoType: open.screen ? 'screen' : 'camera' } : {}),
      at,
      reason: open.screen ? 'mediaStopped' : 'clientDisconnected',
    });
  }

  private trackEnded(id: string, at: number): void {
    this.ended.add(id);
    this.stop(id, at);
  }

  private connectionGone(pc: string, at: number): void {
    this.perPc.delete(pc);
    this.stopUnreported(at);
  }

  /** Open streams no peer connection reports any more. */
  private stopUnreported(at: number): void {
    for (const id of [...this.open.keys()]) {
      let reported = false;
      for (const seen of this.perPc.values()) {
        if (seen.has(id)) {
          reported = true;
          break;
        }
      }
      if (!reported) this.stop(id, at);
    }
  }

  /** Jitsi `setVideoType {ssrc, videoType}`: desktop is a screen share. */
  private videoType(value: unknown): void {
    if (!isObject(value)) return;
    const ssrc = asNumber(value.ssrc);
    if (ssrc !== null && value.videoType === 'desktop') this.tracks.screenSsrcs.add(ssrc);
  }
}

/** The outbound-rtp's sender track: its id and whether a legacy track report says it ended. */
function senderTrack(r: StatsReport, reports: Record<string, StatsReport>): { id: string | null; ended: boolean } {
  const source = linked(reports, r.mediaSourceId);
  const track = linked(reports, r.trackId);
  const id =
    typeof source?.trackIdentifier === 'string'
      ? source.trackIdentifier
      : typeof track?.trackIdentifier === 'string'
        ? track.trackIdentifier
        : null;
  return { id, ended: track?.ended === true };
}

function linked(reports: Record<string, StatsReport>, id: unknown): StatsReport | undefined {
  return typeof id === 'string' && Object.hasOwn(reports, id) ? reports[id] : undefined;
}

function positive(v: unknown): boolean {
  return typeof v === 'number' && v > 0;
}
