import type { SessionAnalysis } from './types';

/** What a session adds to the overview's charts beyond its quality and issue types (stored on its row). */
export interface OverviewFacts {
  /** Average audio MOS over the tracks that have one. */
  mos: number | null;
  /** Median of the per-connection average RTT, ms. */
  rttMs: number | null;
  /** From the first peer connection's creation to the first time any connection was connected, ms. */
  connectMs: number | null;
}

const CONNECTED = new Set(['connected', 'completed']);

function finite(n: number | null | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

export function overviewFacts(a: SessionAnalysis): OverviewFacts {
  const first = a.peerConnections.reduce<number | null>(
    (min, pc) => (Number.isFinite(pc.start) && (min === null || pc.start < min) ? pc.start : min),
    null,
  );
  let connectedAt: number | null = null;
  for (const pc of a.peerConnections) {
    const changes = [...pc.states.connection, ...pc.states.iceConnection];
    for (const c of changes) {
      if (CONNECTED.has(c.state) && (connectedAt === null || c.time < connectedAt)) connectedAt = c.time;
    }
  }
  return {
    mos: finite(a.summary.audioMos?.avg),
    rttMs: finite(a.summary.rttMs?.p50),
    connectMs: first !== null && connectedAt !== null ? Math.max(0, Math.round(connectedAt - first)) : null,
  };
}
