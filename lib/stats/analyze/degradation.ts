/**
 * When was a received stream worse than normal? Windows come from the track's own issues (loss, jitter,
 * freezes, low frame rate, concealment) and from sustained bitrate drops, which no per-sample threshold
 * catches: 250 kbit/s is fine in itself, but not when the stream ran at 500 a moment ago.
 */

import { ISSUE_CLOSE_AFTER_MS } from './thresholds';
import type { Issue, IssueType, Series } from './types';

/** A drop is a bitrate below this share of the preceding baseline… */
export const DROP_RATIO = 0.7;
/** …held at least this long… */
export const DROP_MIN_MS = 5000;
/** …where the baseline is the mean over this much time before the drop… */
export const DROP_BASELINE_MS = 10_000;
/** …and only if the baseline was real media, not silence (bits/s)… */
export const DROP_MIN_BASELINE = 50_000;
/**
 * …learned over at least this much time: a stream's first interval is often a fraction of a second holding a
 * key frame (660 kbit/s for a 360 kbit/s stream), and a baseline of that one sample made a whole call a "drop".
 */
export const DROP_MIN_BASELINE_SPAN_MS = 5000;

export interface Window {
  start: number;
  end: number;
  /** What made the window: issue types, or `bitrate-drop`. */
  causes: string[];
}

export interface Drop extends Window {
  baseline: number;
  /** Mean bitrate during the drop. */
  level: number;
}

/** Sustained drops of a bitrate column relative to its own recent past. O(n): running baseline sum. */
export function bitrateDrops(series: Series, metric = 'bitrate'): Drop[] {
  const col = series.values[metric];
  if (col === undefined) return [];
  const t = series.t;
  const drops: Drop[] = [];
  // Sliding baseline window [lo, i) over non-null values.
  let lo = 0;
  let sum = 0;
  let n = 0;
  let run: { from: number; baseline: number; sum: number; n: number; start: number } | null = null;

  const close = (to: number) => {
    if (run === null) return;
    if (t[to] - run.start >= DROP_MIN_MS) {
      drops.push({ start: run.start, end: t[to], causes: ['bitrate-drop'], baseline: run.baseline, level: run.sum / run.n });
    }
    run = null;
  };

  for (let i = 0; i < t.length; i++) {
    while (lo < i && t[lo] < t[i] - DROP_BASELINE_MS) {
      const v = col[lo];
      if (v !== null) {
        sum -= v;
        n--;
      }
      lo++;
    }
    const v = col[i];
    if (v === null) {
      // Gap, reset or missing report: a drop cannot be followed across it.
      if (run !== null) close(i - 1);
    } else if (run !== null) {
      if (v < DROP_RATIO * run.baseline) {
        run.sum += v;
        run.n++;
      } else {
        close(i - 1);
      }
    } else if (n > 0 && t[i] - t[lo] >= DROP_MIN_BASELINE_SPAN_MS) {
      const baseline = sum / n;
      if (baseline >= DROP_MIN_BASELINE && v < DROP_RATIO * baseline) {
        const start = i > 0 ? t[i - 1] : t[i];
        run = { from: i, baseline, sum: v, n: 1, start };
      }
    }
    // The baseline only learns from normal samples, so a long drop does not become the new normal.
    if (v !== null && run === null) {
      sum += v;
      n++;
    }
  }
  if (run !== null) close(t.length - 1);
  return drops;
}

/** Issue types that mean the received media itself was degraded. */
const MEDIA_ISSUES = new Set<IssueType>(['packet-loss', 'jitter', 'low-frame-rate', 'freeze', 'audio-concealment']);

/**
 * Degraded windows of one inbound track: its media issues plus video bitrate drops, merged when they overlap
 * or are less than ISSUE_CLOSE_AFTER_MS apart (the issues' own closing rule: one problem, one verdict).
 */
export function degradedWindows(
  trackId: string,
  kind: string,
  series: Series,
  issues: readonly Issue[],
): (Window & { drop?: Drop })[] {
  const windows: (Window & { drop?: Drop })[] = [];
  for (const issue of issues) {
    if (issue.trackId === trackId && issue.severity !== 'info' && MEDIA_ISSUES.has(issue.type)) {
      windows.push({ start: issue.start, end: issue.end, causes: [issue.type] });
    }
  }
  // Audio bitrate follows speech (DTX), so only video drops mean something.
  if (kind === 'video') for (const drop of bitrateDrops(series)) windows.push({ ...drop, drop });
  windows.sort((a, b) => a.start - b.start);
  const merged: (Window & { drop?: Drop })[] = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last !== undefined && w.start <= last.end + ISSUE_CLOSE_AFTER_MS) {
      last.end = Math.max(last.end, w.end);
      for (const c of w.causes) if (!last.causes.includes(c)) last.causes.push(c);
      last.drop ??= w.drop;
    } else {
      merged.push({ ...w, causes: [...w.causes] });
    }
  }
  return merged;
}
