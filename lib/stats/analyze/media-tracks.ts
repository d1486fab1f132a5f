/**
 * MediaStreamTrack facts that only trace events know: labels (device names, `remote audio`), stream ids, and
 * which tracks are screen captures. Filled from getUserMedia/getDisplayMedia results, addTrack, addTransceiver,
 * replaceTrack and ontrack, in every shape the formats use:
 * - rtcstats-js: track tuples `[kind, id, label, ...streamIds]`;
 * - Jitsi: strings `"video:<id> <streamId>"` / `"audio:<id> stream:<streamId>"`, gUM result `{id, tracks:[{id,kind,label}]}`,
 *   and `setVideoType {ssrc, videoType}` (desktop = screen share);
 * - webrtc-internals: `{audio_track_info, video_track_info}` JSON strings `{id, label}`.
 */

import { isObject } from '../decode/values';

export interface MediaTrackInfo {
  id: string;
  kind: string | null;
  label: string | null;
  streamIds: string[];
  screen: boolean;
}

export class MediaTrackRegistry {
  readonly tracks = new Map<string, MediaTrackInfo>();
  /** Jitsi `setVideoType`: ssrc → screen or camera. */
  readonly screenSsrcs = new Set<number>();

  /** Records every track found in `value`; returns the tracks (for getUserMedia results). */
  addFrom(value: unknown, screen = false): MediaTrackInfo[] {
    const found: MediaTrackInfo[] = [];
    collectTracks(value, found);
    for (const info of found) this.add({ ...info, screen: info.screen || screen });
    return found;
  }

  add(info: MediaTrackInfo): void {
    const known = this.tracks.get(info.id);
    if (known === undefined) {
      this.tracks.set(info.id, { ...info, streamIds: [...info.streamIds] });
      return;
    }
    known.kind ??= info.kind;
    // Device labels beat generic ones: the getUserMedia result comes before addTrack's copy of it.
    if (known.label === null || known.label === '') known.label = info.label;
    for (const s of info.streamIds) if (!known.streamIds.includes(s)) known.streamIds.push(s);
    known.screen ||= info.screen;
  }

  get(id: string | null): MediaTrackInfo | undefined {
    return id === null ? undefined : this.tracks.get(id);
  }
}

function collectTracks(value: unknown, out: MediaTrackInfo[]): void {
  if (typeof value === 'string') {
    const parsed = parseJitsiTrack(value);
    if (parsed !== null) out.push(parsed);
    return;
  }
  if (Array.isArray(value)) {
    if (isTrackTuple(value)) {
      out.push({
        kind: value[0] as string,
        id: value[1] as string,
        label: typeof value[2] === 'string' ? value[2] : null,
        streamIds: value.slice(3).filter((s): s is string => typeof s === 'string'),
        screen: false,
      });
      return;
    }
    for (const item of value) if (Array.isArray(item) || isObject(item)) collectTracks(item, out);
    return;
  }
  if (!isObject(value)) return;
  if (typeof value.id === 'string' && (value.kind === 'audio' || value.kind === 'video')) {
    out.push({ id: value.id, kind: value.kind, label: typeof value.label === 'string' ? value.label : null, streamIds: [], screen: false });
    return;
  }
  if (Array.isArray(value.tracks)) {
    const streamIds = typeof value.id === 'string' ? [value.id] : [];
    for (const t of value.tracks) {
      if (isObject(t) && typeof t.id === 'string') {
        out.push({ id: t.id, kind: typeof t.kind === 'string' ? t.kind : null, label: typeof t.label === 'string' ? t.label : null, streamIds, screen: false });
      }
    }
  }
  // webrtc-internals getUserMedia responses.
  for (const kind of ['audio', 'video'] as const) {
    const raw = value[`${kind}_track_info`];
    const info = typeof raw === 'string' ? safeJson(raw) : raw;
    if (isObject(info) && typeof info.id === 'string') {
      const streamIds = typeof value.stream_id === 'string' ? [value.stream_id] : [];
      out.push({ id: info.id, kind, label: typeof info.label === 'string' ? info.label : null, streamIds, screen: false });
    }
  }
}

function isTrackTuple(v: unknown[]): boolean {
  return (v[0] === 'audio' || v[0] === 'video') && typeof v[1] === 'string';
}

/** Jitsi `"video:<id> <streamId>"` or `"audio:<id> stream:<streamId>"` (`-` when there is no stream). */
function parseJitsiTrack(s: string): MediaTrackInfo | null {
  const match = /^(audio|video):(\S+)(?:\s+(?:stream:)?(\S+))?/.exec(s);
  if (match === null) return null;
  const stream = match[3];
  return { kind: match[1], id: match[2], label: null, streamIds: stream && stream !== '-' ? [stream] : [], screen: false };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
