/**
 * The page's own trace calls. Whatever an application traces that is not an API call Callscope knows (rtcstats-js
 * `trace(name, pc, value)`, by convention named `:something`; Jitsi stats entries such as `dominantSpeaker`) is
 * kept for the event log and the conference timeline, bounded, because it comes from a page Callscope does not
 * control: a name of at most 64 characters, a value of at most 1,024 characters of JSON, the first 100 per session.
 *
 * Two names mean something (a leading `:` is ignored): `metadata`, an object of string or number fields merged
 * over the session (last value per key wins, at most 20 keys; they become search filters such as `plan:pro`), and
 * `feedback`, `{rating: 1–5, comment?}` (the last one counts). Jitsi clients' entries of these names map the same
 * way. README "Custom events" documents it for the people who write the trace calls.
 */

import { isRtcstatsMethod } from '../decode/rtcstats-compression';
import { isObject } from '../decode/values';
import type { DumpFormat, TraceEvent } from '../model';
import type { AppData, AppEvent, Feedback } from './types';

const MAX_NAME = 64;
const MAX_VALUE_JSON = 1024;
const MAX_APP_EVENTS = 100;
const MAX_METADATA_KEYS = 20;
const MAX_METADATA_VALUE = 256;
const MAX_COMMENT = 1000;
/** Keys a search term can name (`key:value`): no spaces, no colon. */
const METADATA_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** Names the decoders pass through that are not the page's own: other dialects' API calls and Callscope's lines. */
const KNOWN_NAMES = new Set([
  // rtcstats-js methods sent uncompressed.
  'websocket',
  'MediaStreamTrack.enabled',
  'MediaStreamTrack.contentHint',
  // A server-shaped client's frames attached to the session (ws-ingest.ts); the legacy server's first line.
  ':server',
  'publicIP',
  // Jitsi's client: its API calls beyond rtcstats-js' and the entries the analysis reads.
  'identity',
  'connectionInfo',
  'getstats',
  'ondtlserror',
  'ondtlsstatechange',
  'onaddstream',
  'onremovestream',
  'onremovetrack',
  'addStream',
  'removeStream',
  'setVideoType',
]);
/** getUserMedia / getDisplayMedia under any of the prefixes clients have used. */
const MEDIA_METHOD = /^(navigator\.(mediaDevices\.)?)?(getUserMedia|getDisplayMedia)(OnSuccess|OnFailure)?$/;

/** A trace event of this name in a dump of this format is the page's own (webrtc-internals has none). */
export function isAppEvent(format: DumpFormat | null | undefined, type: string): boolean {
  if (format !== 'rtcstats' && format !== 'jitsi') return false;
  // A number is an rtcstats method key this version does not know: the protocol's, not the page's.
  if (/^\d+$/.test(type)) return false;
  return !isRtcstatsMethod(type) && !KNOWN_NAMES.has(type) && !MEDIA_METHOD.test(type);
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The value itself when its JSON is short enough, else that JSON cut (a string). */
function boundedValue(value: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return '(not serialisable)';
  }
  if (json === undefined) return null;
  return json.length <= MAX_VALUE_JSON ? value : cut(json, MAX_VALUE_JSON);
}

/** One event as the event log shows it: the page's own are bounded and marked. */
export type LoggedEvent = TraceEvent & { app?: true };

export function loggedEvent(format: DumpFormat | null | undefined, ev: TraceEvent): LoggedEvent {
  if (!isAppEvent(format, ev.type)) return ev;
  const extra = boundedValue(ev.extra);
  return {
    pc: ev.pc,
    type: cut(ev.type, MAX_NAME),
    time: ev.time,
    value: boundedValue(ev.value),
    extra: Array.isArray(extra) ? extra : [extra],
    app: true,
  };
}

/** Jitsi clients may send an entry's value as a JSON string. */
function objectOf(value: unknown): Record<string, unknown> | null {
  if (isObject(value)) return value;
  if (typeof value !== 'string' || !value.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function metadataValue(value: unknown): string | number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text ? cut(text, MAX_METADATA_VALUE) : null;
}

/** `{rating, comment}`; Jitsi's feedback calls it `score` and `message`, rtcstats' README example `stars`. */
function feedbackOf(value: unknown, time: number): Feedback | null {
  const fields = objectOf(value);
  if (!fields) return null;
  const raw = fields.rating ?? fields.score ?? fields.stars;
  const rating = typeof raw === 'string' && /^\s*\d\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) return null;
  const comment = fields.comment ?? fields.message;
  const text = typeof comment === 'string' ? comment.trim() : '';
  return { rating, comment: text ? cut(text, MAX_COMMENT) : null, time };
}

/** The page's own events of one session, as they arrive (a live analysis and a one-shot one see the same order). */
export class AppEvents {
  private readonly events: AppEvent[] = [];
  private count = 0;
  private readonly metadata = new Map<string, string | number>();
  private feedback: Feedback | null = null;

  add(ev: TraceEvent): void {
    this.count++;
    if (this.events.length < MAX_APP_EVENTS) {
      this.events.push({ time: ev.time, pc: ev.pc, name: cut(ev.type, MAX_NAME), value: boundedValue(ev.value) });
    }
    const name = ev.type.startsWith(':') ? ev.type.slice(1) : ev.type;
    if (name === 'metadata') this.addMetadata(ev.value);
    else if (name === 'feedback') this.feedback = feedbackOf(ev.value, ev.time) ?? this.feedback;
  }

  private addMetadata(value: unknown): void {
    const fields = objectOf(value);
    if (!fields) return;
    for (const key in fields) {
      if (!METADATA_KEY.test(key) || key === '__proto__') continue;
      const v = metadataValue(fields[key]);
      if (v === null) continue;
      if (!this.metadata.has(key) && this.metadata.size >= MAX_METADATA_KEYS) continue;
      this.metadata.set(key, v);
    }
  }

  result(): AppData {
    return {
      metadata: this.metadata.size > 0 ? Object.fromEntries(this.metadata) : null,
      feedback: this.feedback && { ...this.feedback },
      events: this.events.slice(),
      eventCount: this.count,
    };
  }
}

/** What an analysis stored before app events were kept has. */
export const NO_APP_DATA: AppData = Object.freeze({ metadata: null, feedback: null, events: [], eventCount: 0 });
