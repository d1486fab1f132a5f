/**
 * How read models write numbers. Times: a stored Date becomes epoch ms (the API's one time format).
 * Precision: analysis keeps full doubles (19119.40848813949 bit/s); a chart, a summary line or a pairing sentence
 * needs a thousandth at most, and the 17-digit forms made up a third of the conference page's data. Rounding
 * happens on the way out, never in what is stored, except in `conference_result`: a read model, stored rounded.
 */

/** A Date as epoch milliseconds; null (or undefined) as null. */
export function epochMsOrNull(date: Date | null | undefined): number | null {
  return date ? date.getTime() : null;
}

/** `value` rounded to `decimals` places; integers and non-finite values unchanged. */
export function roundNumber(value: number, decimals: number): number {
  if (Number.isInteger(value) || !Number.isFinite(value)) return value;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** A deep copy of plain JSON data with every number rounded to `decimals` places (3: a thousandth). */
export function roundNumbers<T>(value: T, decimals = 3): T {
  if (typeof value === 'number') return roundNumber(value, decimals) as T;
  if (Array.isArray(value)) return value.map((v) => roundNumbers(v, decimals)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = roundNumbers(v, decimals);
    return out as T;
  }
  return value;
}
