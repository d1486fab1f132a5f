/** Public API of the session analysis: one session's decoded stream → what people look at. */

export { analyzeBuffer, analyzeDecoded } from './analyze';
export { downsample, sliceSeries } from './downsample';
export { detectIssues } from './issues';
export { estimateMos, mosFromR, rFactor } from './mos';
export {
  type ConferencePairing,
  type ConferenceParticipant,
  type FaultLocation,
  type FaultVerdict,
  type SeriesComparison,
  type TrackPair,
  type TrackRef,
  pairConference,
} from './pairing';
export { SessionAnalyzer, type SessionAnalyzerOptions } from './session-analyzer';
export { THRESHOLDS, type Threshold, type ThresholdKey } from './thresholds';
export type * from './types';
