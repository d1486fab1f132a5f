/**
 * When a live session's issues open and close: session monitoring's `qualityIssue` events (issue 14), from the
 * successive analyses of one growing dump (live snapshots, then the final one). Pure: it keeps the issues it saw
 * open and compares each new analysis with them.
 *
 * - An issue is named by its type, what it is on (track, else peer connection, else the client) and its start:
 *   the analysis keeps an issue's start as the dump grows, so the key is stable from snapshot to snapshot.
 * - It opens when an analysis first has it. It closes when the analysis has gone on past it as long as the
 *   issue rules' own hysteresis (ISSUE_CLOSE_AFTER_MS and ISSUE_CLOSE_MIN_SAMPLES of its track after its end), when
 *   a later analysis no longer has it, or at the final analysis, where everything still open closes.
 */

import { ISSUE_CLOSE_AFTER_MS, ISSUE_CLOSE_MIN_SAMPLES } from './thresholds';
import type { Issue, SessionAnalysis, TrackAnalysis } from './types';

export interface IssueTransition {
  /** Stable per issue within the session. */
  key: string;
  state: 'open' | 'closed';
  /** Epoch ms (client clock): the issue's start when it opens, its end when it closes. */
  at: number;
  type: string;
  severity: string;
  /** The track key (`pc:direction:kind:ssrc`), when the issue is on one. */
  track?: string;
  evidence: Record<string, unknown>;
}

export function issueKey(issue: Issue): string {
  return `${issue.type}:${issue.trackId ?? issue.pc ?? 'client'}:${Math.round(issue.start)}`;
}

export class IssueTransitions {
  private readonly open = new Map<string, Issue>();
  private readonly closed = new Set<string>();

  /** What opened and closed since the previous analysis; `final`: the session ended, nothing stays open. */
  update(analysis: SessionAnalysis, final: boolean): IssueTransition[] {
    const out: IssueTransition[] = [];
    const tracks = new Map(analysis.tracks.map((t) => [t.trackId, t]));
    const present = new Set<string>();
    for (const issue of analysis.issues) {
      const key = issueKey(issue);
      present.add(key);
      if (this.closed.has(key)) continue;
      if (!this.open.has(key)) out.push(transition(key, 'open', issue.start, issue));
      this.open.set(key, issue);
      if (final || isOver(issue, analysis, issue.trackId ? tracks.get(issue.trackId) : undefined)) {
        out.push(transition(key, 'closed', issue.end, issue));
        this.open.delete(key);
        this.closed.add(key);
      }
    }
    for (const [key, issue] of this.open) {
      if (present.has(key)) continue;
      out.push(transition(key, 'closed', issue.end, issue));
      this.open.delete(key);
      this.closed.add(key);
    }
    return out;
  }
}

/** The analysis went on past the issue long enough that the issue rules would have closed it. */
function isOver(issue: Issue, analysis: SessionAnalysis, track: TrackAnalysis | undefined): boolean {
  if (track) {
    const after = track.series.t.filter((t) => t > issue.end).length;
    return after >= ISSUE_CLOSE_MIN_SAMPLES && track.lastTime - issue.end >= ISSUE_CLOSE_AFTER_MS;
  }
  return analysis.end !== null && analysis.end - issue.end >= ISSUE_CLOSE_AFTER_MS;
}

function transition(key: string, state: IssueTransition['state'], at: number, issue: Issue): IssueTransition {
  return {
    key,
    state,
    at,
    type: issue.type,
    severity: issue.severity,
    ...(issue.trackId ? { track: issue.trackId } : {}),
    evidence: { ...issue.evidence, message: issue.message },
  };
}
