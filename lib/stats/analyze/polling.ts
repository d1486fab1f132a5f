/**
 * What counts as a gap depends on how often the client polled: rtcstats-js and webrtc-internals poll every
 * second, Jitsi every 10 s. A gap is an interval much longer than the connection's usual one: more than
 * max(GAP_MS, GAP_FACTOR × median of the last few intervals). The very first interval has no history and is
 * a gap only beyond MAX_POLL_INTERVAL_MS.
 */

import { GAP_FACTOR, GAP_MS, MAX_POLL_INTERVAL_MS } from './thresholds';

const HISTORY = 5;

export class PollInterval {
  private readonly recent = new Float64Array(HISTORY);
  private readonly scratch = new Float64Array(HISTORY);
  private count = 0;
  private last = Number.NaN;

  /** The gap threshold (ms) for the interval that ends at `time`; then remembers that interval. */
  next(time: number): number {
    const threshold = this.threshold();
    const dt = time - this.last;
    if (dt > 0) {
      this.recent[this.count % HISTORY] = dt;
      this.count++;
    }
    if (!(time <= this.last)) this.last = time;
    return threshold;
  }

  threshold(): number {
    const n = Math.min(this.count, HISTORY);
    if (n === 0) return MAX_POLL_INTERVAL_MS;
    // Median of at most 5 numbers: insertion sort into a preallocated buffer (subarray views would allocate).
    const s = this.scratch;
    const recent = this.recent;
    for (let i = 0; i < n; i++) {
      const v = recent[i];
      let j = i;
      while (j > 0 && s[j - 1] > v) {
        s[j] = s[j - 1];
        j--;
      }
      s[j] = v;
    }
    const median = n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    return Math.max(GAP_MS, GAP_FACTOR * median);
  }
}
