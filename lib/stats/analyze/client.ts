/**
 * The client side of a session: browser and OS (from the User-Agent, parsed with bowser), device facts from
 * the client `create` event, and every getUserMedia/getDisplayMedia call with its constraints and outcome.
 */

import Bowser from 'bowser';
import type { TraceEvent } from '../model';
import type { MediaTrackRegistry } from './media-tracks';
import type { ClientInfo, MediaRequest } from './types';
import { isObject } from '../decode/values';
import { asNumber, asString } from './values';

type RequestKind = MediaRequest['kind'];

export class ClientState {
  private userAgent: string | null = null;
  private hardwareConcurrency: number | null = null;
  private deviceMemory: number | null = null;
  private screen: ClientInfo['screen'] = null;
  private window: ClientInfo['window'] = null;
  private readonly requests: MediaRequest[] = [];
  /** trackingId (`60-0`) → request, to match results to calls. */
  private readonly byTrackingId = new Map<string, MediaRequest>();

  setUserAgent(ua: string | undefined): void {
    if (ua) this.userAgent = ua;
  }

  /** Client-level (pc null) events; `tracks` learns labels and screen tracks from the results. */
  event(ev: TraceEvent, tracks: MediaTrackRegistry): void {
    if (ev.type === 'create') {
      this.device(ev.value);
      return;
    }
    const parsed = mediaMethod(ev.type);
    if (parsed === null) return;
    const trackingId = typeof ev.extra[0] === 'string' ? ev.extra[0] : null;
    if (parsed.phase === 'call') {
      const request: MediaRequest = {
        kind: parsed.kind,
        time: ev.time,
        constraints: ev.value ?? null,
        result: 'pending',
        resultTime: null,
        tracks: [],
        error: null,
      };
      this.requests.push(request);
      if (trackingId !== null) this.byTrackingId.set(trackingId, request);
      return;
    }
    const request = this.pendingFor(parsed.kind, trackingId, ev.time);
    request.resultTime = ev.time;
    if (parsed.phase === 'success') {
      request.result = 'success';
      const found = tracks.addFrom(ev.value, parsed.kind === 'getDisplayMedia');
      request.tracks = found.map((t) => ({ kind: t.kind ?? '', id: t.id, label: t.label ?? '' }));
    } else {
      request.result = 'failure';
      request.error = errorText(ev.value);
    }
  }

  info(): ClientInfo {
    const parsed = this.userAgent === null ? null : Bowser.parse(this.userAgent);
    return {
      userAgent: this.userAgent,
      browser: { name: parsed?.browser.name ?? null, version: parsed?.browser.version ?? null },
      os: { name: parsed?.os.name ?? null, version: parsed?.os.version ?? parsed?.os.versionName ?? null },
      platformType: parsed?.platform.type ?? null,
      engine: parsed?.engine.name ?? null,
      hardwareConcurrency: this.hardwareConcurrency,
      deviceMemory: this.deviceMemory,
      screen: this.screen,
      window: this.window,
      mediaRequests: this.requests,
    };
  }

  private device(value: unknown): void {
    if (!isObject(value)) return;
    this.hardwareConcurrency = asNumber(value.hardwareConcurrency) ?? this.hardwareConcurrency;
    this.deviceMemory = asNumber(value.deviceMemory) ?? this.deviceMemory;
    const ua = asString(value.userAgent);
    if (ua !== null && this.userAgent === null) this.userAgent = ua;
    if (isObject(value.screen)) {
      const w = asNumber(value.screen.width);
      const h = asNumber(value.screen.height);
      if (w !== null && h !== null) this.screen = { width: w, height: h, devicePixelRatio: asNumber(value.screen.devicePixelRatio) };
    }
    if (isObject(value.window)) {
      const w = asNumber(value.window.width);
      const h = asNumber(value.window.height);
      if (w !== null && h !== null) this.window = { width: w, height: h };
    }
  }

  /** The call a result belongs to: by tracking id, else the oldest unanswered call of that kind. */
  private pendingFor(kind: RequestKind, trackingId: string | null, time: number): MediaRequest {
    const tracked = trackingId === null ? undefined : this.byTrackingId.get(trackingId);
    if (tracked !== undefined) return tracked;
    const pending = this.requests.find((r) => r.kind === kind && r.result === 'pending');
    if (pending !== undefined) return pending;
    // A result whose call was not recorded (dump cut at the start): keep the result anyway.
    const orphan: MediaRequest = { kind, time, constraints: null, result: 'pending', resultTime: null, tracks: [], error: null };
    this.requests.push(orphan);
    return orphan;
  }
}

/** `navigator.mediaDevices.getUserMediaOnSuccess` → {kind: getUserMedia, phase: success}. */
function mediaMethod(type: string): { kind: RequestKind; phase: 'call' | 'success' | 'failure' } | null {
  const name = type.startsWith('navigator.mediaDevices.')
    ? type.slice('navigator.mediaDevices.'.length)
    : type.startsWith('navigator.')
      ? type.slice('navigator.'.length)
      : type;
  for (const kind of ['getUserMedia', 'getDisplayMedia'] as const) {
    if (!name.startsWith(kind)) continue;
    const rest = name.slice(kind.length);
    if (rest === '') return { kind, phase: 'call' };
    if (rest === 'OnSuccess') return { kind, phase: 'success' };
    if (rest === 'OnFailure') return { kind, phase: 'failure' };
  }
  return null;
}

function errorText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    const name = asString(value.name);
    const message = asString(value.message);
    if (name !== null || message !== null) return [name, message].filter(Boolean).join(': ');
  }
  return JSON.stringify(value) ?? 'unknown error';
}
