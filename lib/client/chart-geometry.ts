/**
 * Where a time-series chart puts its lines (pure: the same numbers on the server and in the browser, so a chart
 * rendered on the server hydrates without a change).
 *
 * The plot is an SVG whose x axis is `PLOT_WIDTH` abstract units stretched to the plot's width
 * (`preserveAspectRatio="none"`, strokes with `vector-effect: non-scaling-stroke`), so nothing depends on the width
 * in pixels, which the server cannot know. The y axis is the plot's height in pixels.
 */
/** Plot width in viewBox units (x only; stretched to whatever width the column has). */
export const PLOT_WIDTH = 1000;

export type YBound = number | 'auto' | 'dataMin' | 'dataMax';

export interface YScale {
  min: number;
  max: number;
  /** Tick values, ascending, all within [min, max]. */
  ticks: number[];
}

/** A row per instant: `t` (epoch ms) and one value per series key; null or missing draws a gap. */
export type ChartRow = { t: number } & Record<string, number | null>;

/** The smallest of 1, 2, 2.5, 5 × 10ⁿ that is ≥ `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * power >= raw * (1 - 1e-9)) return f * power;
  return 10 * power;
}

/**
 * The y range and exactly `tickCount` evenly spaced ticks for the given rows and series keys. A bound given as a
 * number is kept; otherwise the range follows the data and is widened to whole steps of a "nice" size (1, 2, 2.5
 * or 5 × 10ⁿ, never below `minStep`: 1 for values shown as whole milliseconds or frames), so the tick labels are
 * round numbers.
 */
export function yScaleFor(
  rows: ChartRow[],
  keys: string[],
  bounds: [YBound, YBound] = [0, 'auto'],
  tickCount = 3,
  minStep = 0,
): YScale {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    for (const key of keys) {
      const v = row[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) {
    lo = 0;
    hi = 0;
  }
  const fixedMin = typeof bounds[0] === 'number' ? bounds[0] : null;
  const fixedMax = typeof bounds[1] === 'number' ? bounds[1] : null;
  const intervals = Math.max(1, tickCount - 1);
  if (fixedMin !== null && fixedMax !== null && fixedMax > fixedMin) {
    const step = (fixedMax - fixedMin) / intervals;
    return { min: fixedMin, max: fixedMax, ticks: Array.from({ length: intervals + 1 }, (_, i) => fixedMin + i * step) };
  }
  const wantMin = fixedMin ?? lo;
  const wantMax = fixedMax ?? hi;
  // A flat line (silence: every value 0) still gets a range, with the line on the axis, not in the middle.
  let step = niceStep(Math.max((wantMax - wantMin) / intervals, minStep, Math.abs(wantMax) * 1e-6, 1e-9));
  if (wantMax === wantMin && wantMin === 0) step = Math.max(niceStep(1 / intervals), minStep > 0 ? niceStep(minStep) : 0);
  for (;;) {
    const min = fixedMin ?? (fixedMax !== null ? fixedMax - step * intervals : Math.floor(wantMin / step) * step);
    const max = fixedMax ?? min + step * intervals;
    if ((max >= wantMax && min <= wantMin) || step > 1e15) {
      return { min, max, ticks: Array.from({ length: intervals + 1 }, (_, i) => round(min + i * step, step)) };
    }
    step = niceStep(step * 1.01);
  }
}

/** Drops floating-point noise (0.30000000000000004) at the precision of the step. */
function round(value: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(value.toFixed(Math.min(digits, 12)));
}

/** x of an instant in viewBox units (0 … PLOT_WIDTH inside the domain). */
export function xOf(t: number, domain: [number, number]): number {
  const span = domain[1] - domain[0];
  return span > 0 ? ((t - domain[0]) / span) * PLOT_WIDTH : 0;
}

/** y of a value in pixels from the plot's top. */
export function yOf(value: number, scale: YScale, height: number): number {
  return (1 - (value - scale.min) / (scale.max - scale.min)) * height;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The SVG path of one series: straight segments between samples, broken where a value is missing (a reset or a
 * gap is not a line to zero). A sample alone between gaps is a zero-length segment, drawn as a dot by a round cap.
 * Coordinates have one decimal: a tenth of a pixel at most, and a path a third the size of full precision.
 */
export function linePath(rows: ChartRow[], key: string, domain: [number, number], scale: YScale, height: number): string {
  const parts: string[] = [];
  let penDown = false;
  let pendingMove = '';
  for (const row of rows) {
    const v = row[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      if (pendingMove) parts.push(`${pendingMove}h0`);
      pendingMove = '';
      penDown = false;
      continue;
    }
    const point = `${round1(xOf(row.t, domain))} ${round1(yOf(v, scale, height))}`;
    if (penDown) {
      parts.push(`L${point}`);
      pendingMove = '';
    } else if (pendingMove) {
      parts.push(pendingMove, `L${point}`);
      pendingMove = '';
      penDown = true;
    } else {
      pendingMove = `M${point}`;
    }
  }
  if (pendingMove) parts.push(`${pendingMove}h0`);
  return parts.join('');
}

/** Reads a path written by `linePath` back into [x, y] pairs (viewBox units, pixels): for tests and tools. */
export function pathPoints(d: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)) out.push([Number(m[1]), Number(m[2])]);
  return out;
}
