'use client';

import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useMemo, useState } from 'react';
import { DataState } from '@/components/data-state';
import { Field, Select, SuggestField } from '@/components/form-fields';
import { Pager } from '@/components/pager';
import { SessionTable } from '@/components/session-table';
import { apiUrl } from '@/lib/client/api-client';
import { ISSUE_TYPES, issueLabel } from '@/lib/client/format';
import { useSearch } from '@/lib/client/hooks/use-search';
import type { SearchFilters } from '@/lib/client/query-keys';

const RANGES = [
  { value: 'all', label: 'Any time', ms: null },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
  { value: 'custom', label: 'Custom…', ms: null },
] as const;
type RangeValue = (typeof RANGES)[number]['value'];
const DEFAULT_RANGE: RangeValue = 'all';

const ISSUE_OPTIONS = ISSUE_TYPES.map((t) => ({ value: t, label: issueLabel(t) }));
const QUALITY_OPTIONS = [
  { value: 'good', label: 'Good' },
  { value: 'fair', label: 'Fair' },
  { value: 'poor', label: 'Poor' },
  { value: 'unknown', label: 'Unknown' },
];
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Microsoft Edge', 'Opera', 'Electron'];
const SYSTEMS = ['Windows', 'macOS', 'Linux', 'Android', 'iOS', 'Chrome OS'];

function toLocalInput(ms: number | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

function numberParam(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** URL → API filters. Relative ranges round "now" to the minute so the query key stays stable while typing. */
function filtersFromUrl(params: URLSearchParams): { filters: SearchFilters; range: RangeValue } {
  const rangeParam = params.get('range');
  const range = (RANGES.some((r) => r.value === rangeParam) ? rangeParam : DEFAULT_RANGE) as RangeValue;
  const def = RANGES.find((r) => r.value === range);
  let from: number | undefined;
  let to: number | undefined;
  if (range === 'custom') {
    from = numberParam(params.get('from'));
    to = numberParam(params.get('to'));
  } else if (def?.ms) {
    const now = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    from = now - def.ms;
  }
  return {
    range,
    filters: {
      q: params.get('q')?.trim() || undefined,
      from,
      to,
      issue: params.get('issue') || undefined,
      browser: params.get('browser') || undefined,
      os: params.get('os') || undefined,
      quality: params.get('quality') || undefined,
      protocol: params.get('protocol') || undefined,
      limit: 50,
    },
  };
}

const KIND_TEXT = { user: 'user id', conference: 'conference id', session: 'session id' } as const;

function KindHint({ kind, q }: { kind: string; q: string }) {
  if (kind === 'user') {
    return (
      <p className="kind-hint" data-testid="search-kind" data-kind="user">
        “{q}” looks like a {KIND_TEXT.user}.{' '}
        <Link href={`/users/${encodeURIComponent(q)}`}>Open the user&apos;s page</Link>
      </p>
    );
  }
  if (kind === 'conference') {
    return (
      <p className="kind-hint" data-testid="search-kind" data-kind="conference">
        “{q}” looks like a {KIND_TEXT.conference}.{' '}
        <Link href={`/conferences/${encodeURIComponent(q)}`} data-testid="open-conference">
          Open the conference side by side
        </Link>
      </p>
    );
  }
  if (kind === 'session') {
    return (
      <p className="kind-hint" data-testid="search-kind" data-kind="session">
        “{q}” looks like a {KIND_TEXT.session}.
      </p>
    );
  }
  return null;
}

/** Search: the form (state in the URL, so a search can be shared and Back works), the kind hint, the results. */
export function SearchPageClient() {
  const params = useSearchParams();
  const urlKey = params.toString();
  const { filters, range } = useMemo(() => filtersFromUrl(new URLSearchParams(urlKey)), [urlKey]);
  const query = useSearch(filters);
  const kind = query.data?.pages[0]?.kind ?? 'any';

  return (
    <section className="page" aria-labelledby="search-title">
      <div className="page-head">
        <h1 id="search-title">Find a call</h1>
        <p className="muted">
          Search by user id, conference (room) id or session id. Prefixes work. Your app&apos;s metadata and feedback
          too: <code>plan:pro</code>, <code>rating:&lt;=2</code>.
        </p>
      </div>
      <SearchForm urlKey={urlKey} filters={filters} range={range} />
      {filters.q ? <KindHint kind={kind} q={filters.q} /> : null}
      <SearchResults query={query} q={filters.q} />
      <ExportLinks filters={filters} />
    </section>
  );
}

/** The form; submitting writes the filters to the URL. */
function SearchForm({ urlKey, filters, range }: { urlKey: string; filters: SearchFilters; range: RangeValue }) {
  const router = useRouter();
  const pathname = usePathname() ?? '/';
  const [rangeDraft, setRangeDraft] = useState<RangeValue>(range);
  const [formKey, setFormKey] = useState(urlKey);
  if (formKey !== urlKey) {
    // Back/forward navigation: the form follows the URL.
    setFormKey(urlKey);
    setRangeDraft(range);
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    const q = String(form.get('q') ?? '').trim();
    if (q) next.set('q', q);
    const r = String(form.get('range') ?? DEFAULT_RANGE);
    if (r !== DEFAULT_RANGE) next.set('range', r);
    if (r === 'custom') {
      const from = fromLocalInput(String(form.get('from') ?? ''));
      const to = fromLocalInput(String(form.get('to') ?? ''));
      if (from != null) next.set('from', String(from));
      if (to != null) next.set('to', String(to));
    }
    for (const key of ['issue', 'browser', 'os', 'quality', 'protocol']) {
      const v = String(form.get(key) ?? '').trim();
      if (v) next.set(key, v);
    }
    const qs = next.toString();
    router.push(qs ? `${pathname}?${qs}` : pathname);
  }

  return (
    <search>
      <form key={formKey} className="search-form panel" onSubmit={onSubmit} data-testid="search-form">
        <div className="search-main">
          <label className="sr-only" htmlFor="search-q">
            User, conference or session id
          </label>
          <input
            id="search-q"
            name="q"
            type="search"
            className="search-input"
            placeholder="user_alice, room_standup, a session id, plan:pro, rating:<=2…"
            defaultValue={filters.q ?? ''}
            autoComplete="off"
            data-testid="search-input"
          />
          <button type="submit" className="btn btn-primary" data-testid="search-submit">
            Search
          </button>
        </div>
        <SearchFilterFields filters={filters} range={rangeDraft} onRange={setRangeDraft} />
      </form>
    </search>
  );
}

/** The filters under the search box; From / To only for a custom range. */
function SearchFilterFields({
  filters,
  range,
  onRange,
}: {
  filters: SearchFilters;
  range: RangeValue;
  onRange: (range: RangeValue) => void;
}) {
  return (
    <div className="search-filters">
      <Field inline label="Time range">
        <Select
          name="range"
          value={range}
          onValue={(v) => onRange(v as RangeValue)}
          options={RANGES}
          data-testid="search-range"
        />
      </Field>
      {range === 'custom' ? (
        <>
          <Field inline label="From">
            <input type="datetime-local" name="from" defaultValue={toLocalInput(filters.from)} />
          </Field>
          <Field inline label="To">
            <input type="datetime-local" name="to" defaultValue={toLocalInput(filters.to)} />
          </Field>
        </>
      ) : null}
      <Field inline label="Issue">
        <Select
          name="issue"
          defaultValue={filters.issue ?? ''}
          emptyLabel="Any"
          options={ISSUE_OPTIONS}
          data-testid="search-issue"
        />
      </Field>
      <Field inline label="Quality">
        <Select
          name="quality"
          defaultValue={filters.quality ?? ''}
          emptyLabel="Any"
          options={QUALITY_OPTIONS}
          data-testid="search-quality"
        />
      </Field>
      <SuggestField
        inline
        label="Browser"
        name="browser"
        listId="browser-options"
        suggestions={BROWSERS}
        defaultValue={filters.browser ?? ''}
        placeholder="Any"
        size={12}
      />
      <SuggestField
        inline
        label="OS"
        name="os"
        listId="os-options"
        suggestions={SYSTEMS}
        defaultValue={filters.os ?? ''}
        placeholder="Any"
        size={10}
      />
      {filters.protocol ? <input type="hidden" name="protocol" value={filters.protocol} /> : null}
    </div>
  );
}

/** The matching sessions, a page at a time. */
function SearchResults({ query, q }: { query: ReturnType<typeof useSearch>; q: string | undefined }) {
  const sessions = query.data?.pages.flatMap((p) => p.sessions) ?? [];
  return (
    <DataState
      testId="search-results"
      query={query}
      isEmpty={sessions.length === 0}
      loadingLabel="Searching…"
      empty={
        <div data-testid="search-empty">
          <strong>{q ? `No sessions match “${q}”.` : 'No sessions in this time range.'}</strong>
          <p className="muted">
            Try a longer time range, fewer filters, or a shorter prefix of the id. Sessions appear here as soon as a
            client connects.
          </p>
        </div>
      }
    >
      <div data-testid="search-results" data-state="ready">
        <p className="muted small" aria-live="polite">
          {sessions.length} session{sessions.length === 1 ? '' : 's'}
          {query.hasNextPage ? ' (more available)' : ''}
        </p>
        <SessionTable sessions={sessions} caption="Matching sessions" />
        <Pager
          hasMore={query.hasNextPage}
          isLoading={query.isFetchingNextPage}
          onMore={() => query.fetchNextPage()}
          label="Show more"
          testId="load-more"
        />
      </div>
    </DataState>
  );
}

/** The whole result (not only the pages shown) as a file, with the same filters: the browser downloads it. */
function ExportLinks({ filters }: { filters: SearchFilters }) {
  const { limit: _paging, ...query } = filters;
  return (
    <p className="export-links" data-testid="search-export">
      <span className="muted small">Every matching session as a file:</span>{' '}
      <a className="btn btn-small" href={apiUrl('/api/v1/search/export', { ...query, format: 'csv' })} download>
        Export CSV
      </a>{' '}
      <a className="btn btn-small" href={apiUrl('/api/v1/search/export', { ...query, format: 'ndjson' })} download>
        Export NDJSON
      </a>
    </p>
  );
}
