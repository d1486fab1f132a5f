/**
 * Every threshold issue detection uses, in one table. Documented row by row in docs/thresholds.md
 * (a test checks the two agree, so change both together).
 *
 * `direction: 'above'` means bad when the value is ≥ the threshold; `'below'`: bad when strictly <.
 * `minDurationMs`: how much bad time (summed sample intervals) it takes before it is an issue, so one noisy
 * sample is never reported. Series rules close only after ISSUE_CLOSE_AFTER_MS of good time (see below).
 */

export interface Threshold {
  /** What is measured, as shown in the docs. */
  metric: string;
  unit: string;
  direction: 'above' | 'below';
  warning: number;
  critical: number;
  minDurationMs: number;
  why: string;
}

export const THRESHOLDS = {
  packetLoss: {
    metric: 'packet loss (per interval)',
    unit: '%',
    direction: 'above',
    warning: 3,
    critical: 10,
    minDurationMs: 5000,
    why: 'Opus FEC/PLC and video NACK hide ~1–2 %; above 3 % audio gets robotic and video blocky, above 10 % calls become hard to follow.',
  },
  jitter: {
    metric: 'jitter',
    unit: 'ms',
    direction: 'above',
    warning: 30,
    critical: 100,
    minDurationMs: 5000,
    why: 'The jitter buffer absorbs ~30 ms cheaply; beyond that it grows delay or drops late packets, and 100 ms means audible gaps.',
  },
  rtt: {
    metric: 'round-trip time',
    unit: 'ms',
    direction: 'above',
    warning: 300,
    critical: 500,
    minDurationMs: 5000,
    why: 'ITU-T G.114: one-way delay above 150 ms (RTT 300 ms) hurts conversation; above 250 ms one-way people talk over each other.',
  },
  frameRate: {
    metric: 'video frame rate (camera)',
    unit: 'fps',
    direction: 'below',
    warning: 12,
    critical: 6,
    minDurationMs: 5000,
    why: 'Below 12 fps motion looks jerky, below 6 fps lip sync is lost. 15 fps is not flagged: cameras and SFU temporal layers deliver it on purpose. Screen shares are exempt: they send few frames on purpose.',
  },
  freeze: {
    metric: 'video freeze duration (per run of freezing samples)',
    unit: 'ms',
    direction: 'above',
    warning: 1,
    critical: 2000,
    minDurationMs: 0,
    why: 'Every freeze the receiver counted (W3C: an inter-frame gap ≥ max(3×avg, avg+150 ms)) is visible; 2 s of frozen picture feels broken. Start-up freezes (first 5 s of the stream’s media, under 2 s in total) are the decoder starting and are skipped.',
  },
  concealment: {
    metric: 'audio concealment (per interval)',
    unit: '%',
    direction: 'above',
    warning: 5,
    critical: 15,
    minDurationMs: 5000,
    why: 'Concealed (synthesised) samples replace lost or late audio; a few % is inaudible, 15 % is choppy speech.',
  },
  cpuLimited: {
    metric: 'encoder quality limited by CPU',
    unit: 's',
    direction: 'above',
    warning: 10,
    critical: 60,
    minDurationMs: 10000,
    why: 'The sender lowers resolution/frame rate because its CPU cannot keep up; short spikes are normal at start-up.',
  },
  bandwidthLimited: {
    metric: 'encoder quality limited by bandwidth',
    unit: 's',
    direction: 'above',
    warning: 10,
    critical: 60,
    minDurationMs: 10000,
    why: 'Congestion control keeps the encoder below what it wants to send; it is normal during the first seconds of ramp-up.',
  },
  disconnection: {
    metric: 'ICE/connection disconnected',
    unit: 's',
    direction: 'above',
    warning: 0,
    critical: 10,
    minDurationMs: 0,
    why: 'Any disconnection freezes media; one that lasts 10 s or never recovers is a dropped call. The far end hanging up (DTLS closed before ICE drops) is not one.',
  },
  noMedia: {
    metric: 'track lifetime without any payload bytes',
    unit: 's',
    direction: 'above',
    warning: 5,
    critical: 30,
    minDurationMs: 5000,
    why: 'A sent track that never carries media is a broken source, a blocked path or a failed negotiation. Received tracks only get an info: the sender may simply be muted. Disabled simulcast layers are skipped.',
  },
} as const satisfies Record<string, Threshold>;

/**
 * Hysteresis of the per-sample rules (packetLoss, jitter, rtt, frameRate, concealment; `episodes()` in issues.ts).
 * Once a problem is open it closes only after this much consecutive not-bad time (good samples, gaps, samples a
 * gate excludes): a steady 5 % random loss dips below 3 % in about a third of the seconds, and must still be
 * one issue. The same rule serves every series-based window (pairing verdicts reuse it).
 */
export const ISSUE_CLOSE_AFTER_MS = 10_000;
/**
 * …and only after at least this many not-bad samples: one good sample never ends a problem (with Jitsi's 10 s
 * polling one sample is already 10 s).
 */
export const ISSUE_CLOSE_MIN_SAMPLES = 2;
/**
 * A not-bad stretch is bridged only while the problem stays mostly bad: its bad time must be at least this share
 * of the time from its first bad interval to the sample that continues it. Otherwise scattered single bad samples
 * (one every few seconds, as 1 % random loss gives on a 50 packet/s audio stream) would add up to the minimum
 * duration and open a call-long issue.
 */
export const ISSUE_MIN_BAD_SHARE = 0.5;

/**
 * Start-up freezes of a received video: freezes counted within this long after the stream's first received
 * media (the decoder starting, waiting for the first key frame)…
 */
export const STARTUP_FREEZE_WINDOW_MS = 5000;
/** …are not an issue when they total less than this. More, or any freeze later, is reported as usual. */
export const STARTUP_FREEZE_MAX_MS = 2000;

/**
 * Gaps: samples further apart than max(GAP_MS, GAP_FACTOR × the connection's usual polling interval), or a
 * report missing from a sample, break every rate (see polling.ts). The factor keeps 10 s Jitsi polls usable.
 */
export const GAP_MS = 5000;
export const GAP_FACTOR = 2.5;
/** The first interval of a connection has no history: it is a gap only beyond this. */
export const MAX_POLL_INTERVAL_MS = 60_000;
