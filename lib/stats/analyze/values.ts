/** Small readers for untyped stats/event values: every stats field is optional and may have the wrong type. */

/** A finite number, or null. Numeric strings count (old Chrome dumps stored `ssrc` as a string). */
export function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function asString(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** webrtc-internals JSON-quotes state values in new Chrome (`"\"connected\""`); strip one level of quotes. */
export function unquote(s: string): string {
  return s.length >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34 ? s.slice(1, -1) : s;
}
