/**
 * The few SDP facts track pairing needs (stats-and-dumps.md §3.2): per m-section its mid, kind and msid, and
 * per ssrc its msid (`a=ssrc:<n> msid:<stream> <track>`, Plan B and older Chrome) and its RTX partner.
 */

import type { Msid } from './types';

export interface MediaSectionInfo {
  mid: string | null;
  kind: string;
  msids: Msid[];
  ssrcs: number[];
}

export interface SdpInfo {
  sections: MediaSectionInfo[];
  /** ssrc → msid, from `a=ssrc:<n> msid:` lines. */
  ssrcMsid: Map<number, Msid>;
}

/** Accumulated SDP knowledge of one side (local or remote) of a connection over renegotiations. */
export class SdpSide {
  readonly byMid = new Map<string, MediaSectionInfo>();
  readonly ssrcMsid = new Map<number, Msid>();
  /** ssrc → mid, to find the section of a stream that has no `mid` in its stats (old browsers). */
  readonly ssrcMid = new Map<number, string>();

  add(sdp: string): void {
    const info = parseSdp(sdp);
    for (const section of info.sections) {
      // Compressed placeholders (`m=` alone, see rtcstats SDP compression) carry nothing: keep what we had.
      if (section.mid === null && section.ssrcs.length === 0 && section.msids.length === 0) continue;
      if (section.mid !== null) {
        this.byMid.set(section.mid, section);
        for (const ssrc of section.ssrcs) this.ssrcMid.set(ssrc, section.mid);
      }
    }
    for (const [ssrc, msid] of info.ssrcMsid) this.ssrcMsid.set(ssrc, msid);
  }

  /** The msid of a stream: by ssrc first, then by its m-section. */
  msidFor(ssrc: number, mid: string | null): Msid | null {
    const bySsrc = this.ssrcMsid.get(ssrc);
    if (bySsrc !== undefined) return bySsrc;
    const section = this.byMid.get(mid ?? this.ssrcMid.get(ssrc) ?? '');
    return section?.msids[0] ?? null;
  }

  streamIdsFor(ssrc: number, mid: string | null): string[] {
    const section = this.byMid.get(mid ?? this.ssrcMid.get(ssrc) ?? '');
    const ids = new Set<string>();
    for (const m of section?.msids ?? []) ids.add(m.streamId);
    const bySsrc = this.ssrcMsid.get(ssrc);
    if (bySsrc !== undefined) ids.add(bySsrc.streamId);
    return [...ids];
  }
}

export function parseSdp(sdp: string): SdpInfo {
  const sections: MediaSectionInfo[] = [];
  const ssrcMsid = new Map<number, Msid>();
  let current: MediaSectionInfo | null = null;
  for (const rawLine of sdp.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.startsWith('m=')) {
      current = { mid: null, kind: line.slice(2).split(' ')[0], msids: [], ssrcs: [] };
      sections.push(current);
    } else if (current === null) {
      // Session-level lines: nothing we need.
    } else if (line.startsWith('a=mid:')) {
      current.mid = line.slice(6).trim();
    } else if (line.startsWith('a=msid:')) {
      const msid = splitMsid(line.slice(7));
      if (msid !== null) current.msids.push(msid);
    } else if (line.startsWith('a=ssrc:')) {
      const space = line.indexOf(' ');
      const ssrc = Number(line.slice(7, space < 0 ? undefined : space));
      if (!Number.isFinite(ssrc)) continue;
      if (!current.ssrcs.includes(ssrc)) current.ssrcs.push(ssrc);
      const attr = space < 0 ? '' : line.slice(space + 1);
      if (attr.startsWith('msid:')) {
        const msid = splitMsid(attr.slice(5));
        if (msid !== null) ssrcMsid.set(ssrc, msid);
      }
    }
  }
  return { sections, ssrcMsid };
}

function splitMsid(value: string): Msid | null {
  const [streamId, trackId] = value.trim().split(/\s+/);
  if (!streamId) return null;
  // `a=msid:- <track>` means "no stream"; a missing track id (Firefox 'a=msid:{stream}') keeps the stream.
  return { streamId, trackId: trackId ?? '' };
}

/** The SDP string inside an event value: `{type, sdp}`, or a JSON string of it (webrtc-internals). */
export function sdpOf(value: unknown): string | null {
  if (typeof value === 'object' && value !== null && typeof (value as { sdp?: unknown }).sdp === 'string') {
    return (value as { sdp: string }).sdp;
  }
  if (typeof value === 'string') {
    if (value.startsWith('{')) {
      try {
        return sdpOf(JSON.parse(value));
      } catch {
        return null;
      }
    }
    if (value.includes('\nm=') || value.startsWith('v=0')) return value;
    const index = value.indexOf('sdp: ');
    if (index >= 0) return value.slice(index + 5);
  }
  return null;
}
