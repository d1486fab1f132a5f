import type { OverviewFilters } from '@/lib/client/query-keys';

/** What a chart bar or table row narrows the search to, on top of the overview's own filters. */
export interface SearchNarrowing {
  from: number;
  /** Exclusive (the search's `to` is inclusive: one millisecond less is sent). */
  to: number;
  quality?: string;
  issue?: string;
  browser?: string;
  os?: string;
  protocol?: string;
  /** A conference or session id instead of the overview's conference prefix. */
  q?: string;
}

/**
 * The search page's URL (`/`, its query in the URL) for the overview's filters narrowed to one bar or row: the
 * conference prefix and the metadata term go in the search box (`room_ plan:pro`), the rest in its own fields.
 */
export function searchHref(filters: OverviewFilters, n: SearchNarrowing): string {
  const p = new URLSearchParams();
  const q = [n.q ?? filters.conference, filters.metadata].filter(Boolean).join(' ');
  if (q) p.set('q', q);
  p.set('range', 'custom');
  p.set('from', String(n.from));
  p.set('to', String(n.to - 1));
  const browser = n.browser ?? filters.browser;
  const os = n.os ?? filters.os;
  if (n.issue) p.set('issue', n.issue);
  if (browser) p.set('browser', browser);
  if (os) p.set('os', os);
  if (n.quality) p.set('quality', n.quality);
  if (n.protocol) p.set('protocol', n.protocol);
  return `/?${p.toString()}`;
}

const RANGES = new Set(['24h', '7d', '30d', 'custom']);

function numberParam(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The overview's URL → its filters (relative ranges are computed by the server, so the key stays stable). */
export function overviewFiltersFromUrl(params: URLSearchParams): OverviewFilters {
  const range = params.get('range') ?? '24h';
  const r = (RANGES.has(range) ? range : '24h') as OverviewFilters['range'];
  const text = (name: string) => params.get(name)?.trim() || undefined;
  return {
    range: r,
    ...(r === 'custom' ? { from: numberParam(params.get('from')), to: numberParam(params.get('to')) } : {}),
    conference: text('conference'),
    browser: text('browser'),
    os: text('os'),
    metadata: text('metadata'),
  };
}
