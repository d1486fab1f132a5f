/** Chart colours, one per metric: readable on white, distinguishable for common colour-vision deficiencies. */
export const METRIC_COLORS: Record<string, string> = {
  bitrate: '#2f6fed',
  targetBitrate: '#9bb6f5',
  packetLossPct: '#d0343a',
  jitterMs: '#e67700',
  rttMs: '#862e9c',
  framesPerSecond: '#2b8a3e',
  frameHeight: '#0b7285',
  concealmentPct: '#c2255c',
  mos: '#495057',
};
