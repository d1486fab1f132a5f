/**
 * The zoomed time range of the conference and session pages, kept in the URL as `from` / `to` (epoch ms). Pure, so
 * the conference page's server component reads the same range the browser does.
 */

/** The narrowest range a zoom may show: below it a chart holds one or two samples. */
export const MIN_ZOOM_MS = 2000;

export type ZoomRange = { from: number; to: number };

function numberParam(v: string | null): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** The zoomed range from the URL's `from` / `to`, or undefined for the whole call. */
export function zoomRange(from: string | null, to: string | null): ZoomRange | undefined {
  const f = numberParam(from);
  const t = numberParam(to);
  return f != null && t != null && t > f ? { from: f, to: t } : undefined;
}

/** A picked range widened to MIN_ZOOM_MS at the least, in whole milliseconds. */
export function clampZoom(from: number, to: number): ZoomRange {
  return { from: Math.round(from), to: Math.round(Math.max(to, from + MIN_ZOOM_MS)) };
}

/** Half the span, around the middle; null when that would be narrower than MIN_ZOOM_MS. */
export function zoomedIn([from, to]: [number, number]): ZoomRange | null {
  const span = to - from;
  if (span / 2 < MIN_ZOOM_MS) return null;
  return { from: from + span / 4, to: to - span / 4 };
}

/** Twice the span, kept inside `full`; null once that covers all of `full` (the whole call again). */
export function zoomedOut([from, to]: [number, number], full: [number, number]): ZoomRange | null {
  const span = to - from;
  const next = { from: Math.max(full[0], from - span / 2), to: Math.min(full[1], to + span / 2) };
  return next.from <= full[0] && next.to >= full[1] ? null : next;
}
