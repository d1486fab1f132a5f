/**
 * Hierarchical react-query keys: invalidate `['sessions']` and every session query goes stale.
 * Filters objects are part of the key, so keep them plain and stable (no Date objects, no functions).
 */
export interface SearchFilters {
  q?: string;
  from?: number;
  to?: number;
  issue?: string;
  browser?: string;
  os?: string;
  quality?: string;
  protocol?: string;
  limit?: number;
}

/** The Overview page's filters (GET /api/v1/overview), plain for the query key. */
export interface OverviewFilters {
  range: '24h' | '7d' | '30d' | 'custom';
  from?: number;
  to?: number;
  conference?: string;
  browser?: string;
  os?: string;
  metadata?: string;
}

export interface SeriesRange {
  from?: number;
  to?: number;
  maxPoints: number;
  metrics: string;
}

/**
 * What a track panel asks the series API for: the charted metrics, at most 400 points (two per pixel of a wide
 * column). Also what the conference page prefetches, in the browser and on the server, so all hit one cache entry.
 */
export function trackPanelSeriesRange(range?: { from?: number; to?: number }): SeriesRange {
  return { metrics: 'bitrate,packetLossPct,jitterMs,rttMs,framesPerSecond,frameHeight', from: range?.from, to: range?.to, maxPoints: 400 };
}

export const queryKeys = {
  search: {
    all: ['search'] as const,
    list: (filters: SearchFilters) => ['search', 'list', filters] as const,
  },
  sessions: {
    all: ['sessions'] as const,
    detail: (id: string) => ['sessions', 'detail', id] as const,
    events: (id: string, filters: { pc?: string; type?: string }) => ['sessions', id, 'events', filters] as const,
    series: (id: string, trackId: string, range: SeriesRange) =>
      ['sessions', id, 'tracks', trackId, 'series', range] as const,
  },
  conferences: {
    all: ['conferences'] as const,
    detail: (name: string) => ['conferences', 'detail', name] as const,
    /** Its session-monitoring events (the timeline's own and platform callbacks). */
    events: (name: string) => ['conferences', name, 'events'] as const,
  },
  users: {
    all: ['users'] as const,
    detail: (user: string) => ['users', 'detail', user] as const,
  },
  overview: {
    all: ['overview'] as const,
    range: (filters: OverviewFilters) => ['overview', filters] as const,
  },
  live: ['live'] as const,
  /** The connect page: refused ingest attempts, the newest session (is the test client's data arriving?). */
  ingest: {
    rejections: ['ingest', 'rejections'] as const,
    newestSession: ['ingest', 'newest-session'] as const,
  },
  settings: {
    all: ['settings'] as const,
    signingKeys: ['settings', 'signing-keys'] as const,
    apiKeys: ['settings', 'api-keys'] as const,
    staff: ['settings', 'staff'] as const,
    retention: ['settings', 'retention'] as const,
    roomPolicies: ['settings', 'room-policies'] as const,
    audit: (filters: { action?: string }) => ['settings', 'audit', filters] as const,
  },
  health: ['health'] as const,
  webhooks: {
    all: ['webhooks'] as const,
    list: ['webhooks', 'list'] as const,
    deliveries: (id: string) => ['webhooks', id, 'deliveries'] as const,
  },
};
