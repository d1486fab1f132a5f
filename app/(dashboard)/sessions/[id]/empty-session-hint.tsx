'use client';

import type { EmptySessionReason } from './session-model';

/**
 * "Why is this session empty": a session analysed without a single getStats sample has no charts, and support asks
 * why. Each reason names what the client did (from the analysis' counts) and what to change in the app.
 */
const HINTS: Record<EmptySessionReason, { title: string; body: string; fixes: string[] }> = {
  'no-messages': {
    title: 'The client connected but sent nothing.',
    body: 'The connection was accepted, then closed before a single message arrived.',
    fixes: [
      'Check that the page keeps the rtcstats socket open while the call runs (no page reload or navigation).',
      'Check the browser console for WebSocket errors from the rtcstats client.',
    ],
  },
  'no-peer-connection': {
    title: 'No peer connection was created.',
    body: 'The client streamed events (getUserMedia, devices…) but no RTCPeerConnection was traced, so there was nothing to poll getStats on.',
    fixes: [
      'Load and set up rtcstats before the application creates its first RTCPeerConnection: connections created earlier are not wrapped.',
      'If the call never started (the user left the lobby), this is expected.',
    ],
  },
  'closed-before-first-sample': {
    title: 'The connections closed before the first sample.',
    body: 'rtcstats polls getStats from the moment a connection first connects (or fails); these closed before that, or within the first interval.',
    fixes: [
      'Look at the connection states below: ICE that never connected points at the network or TURN setup.',
      'A call hung up at once has no samples: this is expected for very short sessions.',
    ],
  },
  'no-stats': {
    title: 'No getStats entries arrived.',
    body: 'Peer connections were created and connected, but the client sent no getStats samples.',
    fixes: [
      'The stats interval may be off: getStatsInterval (rtcstats-js) or pollInterval (@jitsi/rtcstats) must be more than 0.',
      'A filter in the application may drop the getstats entries before they are sent.',
    ],
  },
};

export function EmptySessionHint({ reason }: { reason: EmptySessionReason }) {
  const hint = HINTS[reason];
  return (
    <div className="banner banner-info empty-hint" role="note" data-testid="empty-session-hint" data-reason={reason}>
      <strong>Why is this session empty? {hint.title}</strong> {hint.body}
      <ul>
        {hint.fixes.map((fix) => (
          <li key={fix}>{fix}</li>
        ))}
      </ul>
    </div>
  );
}
