/**
 * Audio MOS estimate: the compact E-model variant Twilio uses (docs/stats-and-dumps.md §4, variant A).
 * effective latency = RTT + 2·jitter + 10 ms; delay impairment piecewise; 2.5 R per % loss; G.107 R→MOS map.
 * It targets narrowband speech and ignores Opus FEC/PLC, so read it as a trend, not an absolute score.
 */

const R0 = 94.768;

/** R-factor from RTT (ms), jitter (ms) and loss (%). Null unless all three are non-negative finite numbers. */
export function rFactor(rttMs: number | null, jitterMs: number | null, lossPct: number | null): number | null {
  if (!valid(rttMs) || !valid(jitterMs) || !valid(lossPct)) return null;
  const effectiveLatency = rttMs + 2 * jitterMs + 10;
  let r: number;
  if (effectiveLatency < 160) r = R0 - effectiveLatency / 40;
  else if (effectiveLatency < 1000) r = R0 - (effectiveLatency - 120) / 10;
  else r = 0;
  // Past R/2.5 % loss the call is unusable: Twilio drops R to 0 there, otherwise floors it at 6.52 (MOS ≈ 1.0).
  return lossPct <= r / 2.5 ? Math.max(r - 2.5 * lossPct, 6.52) : 0;
}

/** G.107 Annex B mapping from R to MOS (1..4.5). */
export function mosFromR(r: number): number {
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  return 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
}

export function estimateMos(rttMs: number | null, jitterMs: number | null, lossPct: number | null): number | null {
  const r = rFactor(rttMs, jitterMs, lossPct);
  return r === null ? null : mosFromR(r);
}

function valid(v: number | null): v is number {
  return v !== null && Number.isFinite(v) && v >= 0;
}
