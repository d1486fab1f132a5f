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
