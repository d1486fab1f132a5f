/**
 * Receiver-side packet loss, the one definition every loss figure of a received stream uses (the per-interval
 * `packetLossPct` series, and any loss over a whole track from its summary totals).
 *
 * inbound-rtp `packetsReceived` counts retransmissions too: RTX packets recovering NACKed losses, and the padding
 * a sender's bandwidth probe sends as RTX. Per the W3C webrtc-stats spec `retransmittedPacketsReceived` is a subset
 * of `packetsReceived` (reported only when RTX is negotiated), so the original media packets received are
 * `packetsReceived − retransmittedPacketsReceived`, and `packetsLost` (expected − received original packets) is a
 * share of `lost + that`. Counting retransmissions as received reads loss low, by however much the sender probed.
 */

/**
 * 100·lost / (lost + received − retransmitted), in %; `received − retransmitted` clamped at 0. `retransmitted`
 * null (the stream does not report the counter): 100·lost / (lost + received). Null when the denominator is 0
 * (nothing expected, nothing to say).
 */
export function lossPct(lost: number, received: number, retransmitted: number | null = null): number | null {
  const original = retransmitted === null ? received : Math.max(0, received - retransmitted);
  const expected = lost + original;
  return expected > 0 ? (100 * lost) / expected : null;
}
