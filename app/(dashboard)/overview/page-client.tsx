'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useMemo, useState } from 'react';
import { BarChart, type BarSeries } from '@/components/charts/bar-chart';
import { LineChart } from '@/components/charts/line-chart';
import { DataState } from '@/components/data-state';
import { useTimeFormat } from '@/components/display-zone-provider';
import { Field, Select, SuggestField } from '@/components/form-fields';
import { IssueBadge, QualityBadge } from '@/components/ui/badges';
import { issueLabel } from '@/lib/client/format';
import { useOverview } from '@/lib/client/hooks/use-overview';
import type { OverviewFilters } from '@/lib/client/query-keys';
import type { Overview, OverviewBreakdownRow } from '@/lib/schemas/overview';
import { overviewFiltersFromUrl, type SearchNarrowing, searchHref } from './overview-links';

const RANGES = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom…' },
] as const;
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Microsoft Edge', 'Opera', 'Electron'];
const SYSTEMS = ['Windows', 'macOS', 'Linux', 'Android', 'iOS', 'Chrome OS'];

const VOLUME: BarSeries[] = [
  { key: 'sessions', label: 'Sessions', color: '#2f6fed' },
  { key: 'calls', label: 'Calls', color: '#0b7285' },
];
const QUALITY: BarSeries[] = [
  { key: 'good', label: 'Good', color: 'var(--good, #2b8a3e)' },
  { key: 'fair', label: 'Fair', color: 'var(--warn, #e67700)' },
  { key: 'poor', label: 'Poor', color: 'var(--bad, #d0343a)' },
  { key: 'unknown', label: 'Unknown', color: '#adb5bd' },
];
const ISSUE_COLORS = ['#d0343a', '#e67700', '#862e9c', '#2f6fed', '#0b7285', '#c2255c', '#5c940d', '#495057'];

function toLocalInput(ms: number | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '–';
}

/** The Overview: filters in the URL, then the range's charts, breakdowns and worst calls. */
export function OverviewPageClient() {
  const params = useSearchParams();
  const urlKey = params.toString();
  const filters = useMemo(() => overviewFiltersFromUrl(new URLSearchParams(urlKey)), [urlKey]);
  const query = useOverview(filters);
  const data = query.data;
  return (
    <section className="page" aria-labelledby="overview-title">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        <p className="muted">
          How calls went over a time range. Click a bar, a point or a row for the matching sessions, or{' '}
          <Link href="/">search for a call</Link>.
        </p>
      </div>
      <OverviewForm key={urlKey} filters={filters} />
      <DataState
        testId="overview"
        query={query}
        isEmpty={data !== undefined && data.totals.sessions === 0}
        loadingLabel="Adding up the range…"
        empty={
          <div data-testid="overview-empty">
            <strong>No processed sessions in this range.</strong>
            <p className="muted">Try a longer range or fewer filters. Sessions count once their analysis is stored.</p>
          </div>
        }
      >
        {data ? <OverviewBody data={data} filters={filters} /> : null}
      </DataState>
    </section>
  );
}

function OverviewForm({ filters }: { filters: OverviewFilters }) {
  const router = useRouter();
  const [range, setRange] = useState(filters.range);
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    const r = String(form.get('range') ?? '24h');
    if (r !== '24h') next.set('range', r);
    if (r === 'custom') {
      for (const key of ['from', 'to']) {
        const ms = new Date(String(form.get(key) ?? '')).getTime();
        if (Number.isFinite(ms)) next.set(key, String(ms));
      }
    }
    for (const key of ['conference', 'browser', 'os', 'metadata']) {
      const v = String(form.get(key) ?? '').trim();
      if (v) next.set(key, v);
    }
    const qs = next.toString();
    router.push(qs ? `/overview?${qs}` : '/overview');
  }
  return (
    <form className="panel overview-filters" onSubmit={onSubmit} data-testid="overview-form">
      <Field inline label="Time range">
        <Select
          name="range"
          value={range}
          onValue={(v) => setRange(v as OverviewFilters['range'])}
          options={RANGES}
          data-testid="overview-range"
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
      <Field inline label="Conference prefix">
        <input name="conference" defaultValue={filters.conference ?? ''} placeholder="room_" size={12} />
      </Field>
      <SuggestField
        inline
        label="Browser"
        name="browser"
        listId="overview-browsers"
        suggestions={BROWSERS}
        defaultValue={filters.browser ?? ''}
        placeholder="Any"
        size={10}
      />
      <SuggestField
        inline
        label="OS"
        name="os"
        listId="overview-systems"
        suggestions={SYSTEMS}
        defaultValue={filters.os ?? ''}
        placeholder="Any"
        size={9}
      />
      <Field inline label="Metadata">
        <input name="metadata" defaultValue={filters.metadata ?? ''} placeholder="plan:pro" size={12} />
      </Field>
      <button type="submit" className="btn btn-primary" data-testid="overview-apply">
        Show
      </button>
    </form>
  );
}

function OverviewBody({ data, filters }: { data: Overview; filters: OverviewFilters }) {
  const { formatDateTime } = useTimeFormat();
  const size = data.range.grain === 'hour' ? 3600_000 : 86_400_000;
  const formatT = (t: number) =>
    data.range.grain === 'hour'
      ? formatDateTime(t)
      : new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const whole = { from: data.range.from, to: data.range.to };
  const link = (n: Partial<SearchNarrowing>) => searchHref(filters, { ...whole, ...n });
  const bucketLink = (t: number, n: Partial<SearchNarrowing> = {}) => link({ from: t, to: t + size, ...n });
  const b = data.buckets;
  const issueSeries: BarSeries[] = data.topIssues.map((i, n) => ({
    key: i.type,
    label: issueLabel(i.type),
    color: ISSUE_COLORS[n % ISSUE_COLORS.length] ?? '#495057',
  }));
  const t = data.totals;
  return (
    <div data-testid="overview-ready" data-source={data.source} data-grain={data.range.grain}>
      <div className="overview-totals panel" data-testid="overview-totals">
        <Total label="Sessions" value={t.sessions} href={link({})} testId="total-sessions" />
        <Total label="Calls" value={t.calls} testId="total-calls" />
        <Total label="Poor" value={pct(t.poor, t.sessions)} href={link({ quality: 'poor' })} testId="total-poor" />
        <Total label="MOS p50" value={t.mos.p50 ?? '–'} testId="total-mos" />
        <Total label="RTT p95" value={t.rttMs.p95 === null ? '–' : `${t.rttMs.p95} ms`} testId="total-rtt" />
        <Total label="Relay (TURN)" value={pct(t.relay, t.sessions)} href={link({ issue: 'relay' })} />
        <Total label="TCP" value={pct(t.tcp, t.sessions)} href={link({ issue: 'tcp' })} />
        <Total label="ICE failures" value={pct(t.iceFailed, t.sessions)} href={link({ issue: 'ice-failure' })} />
        <Total label="getUserMedia errors" value={pct(t.gumError, t.sessions)} href={link({ issue: 'media-error' })} />
        <Total
          label="Time to connect p50 / p95"
          value={t.connectMs.p50 === null ? '–' : `${t.connectMs.p50} / ${t.connectMs.p95} ms`}
        />
      </div>
      <div className="overview-grid">
        <ChartPanel title={`Sessions and calls per ${data.range.grain}`}>
          <BarChart
            testId="chart-volume"
            rows={b.map((x) => ({ t: x.t, values: { sessions: x.sessions } }))}
            series={VOLUME.slice(0, 1)}
            height={180}
            formatT={formatT}
            hrefFor={(bt) => bucketLink(bt)}
          />
          <BarChart
            testId="chart-calls"
            rows={b.map((x) => ({ t: x.t, values: { calls: x.calls } }))}
            series={VOLUME.slice(1)}
            height={110}
            formatT={formatT}
            hrefFor={(bt) => bucketLink(bt)}
          />
        </ChartPanel>
        <ChartPanel title="Quality of sessions (share)">
          <BarChart
            testId="chart-quality"
            share
            rows={b.map((x) => ({ t: x.t, values: { good: x.good, fair: x.fair, poor: x.poor, unknown: x.unknown } }))}
            series={QUALITY}
            height={240}
            formatT={formatT}
            hrefFor={(bt, key) => bucketLink(bt, { quality: key })}
          />
        </ChartPanel>
        <ChartPanel title="Top issue types (sessions)">
          {issueSeries.length === 0 ? (
            <p className="muted">No issues in this range.</p>
          ) : (
            <BarChart
              testId="chart-issues"
              rows={b.map((x) => ({ t: x.t, values: x.issues }))}
              series={issueSeries}
              height={240}
              formatT={formatT}
              hrefFor={(bt, key) => bucketLink(bt, { issue: key })}
            />
          )}
        </ChartPanel>
        <ChartPanel title="MOS percentiles (audio)">
          <LineChart
            testId="chart-mos"
            points={b.map((x) => ({ t: x.t, values: { p50: x.mos.p50, p5: x.mos.p5 } }))}
            series={[
              { key: 'p50', label: 'median', color: '#2b8a3e' },
              { key: 'p5', label: 'worst 5 %', color: '#d0343a' },
            ]}
            unit=""
            height={200}
            formatT={formatT}
            hrefFor={(bt) => bucketLink(bt)}
          />
        </ChartPanel>
        <ChartPanel title="RTT percentiles">
          <LineChart
            testId="chart-rtt"
            points={b.map((x) => ({ t: x.t, values: { p50: x.rttMs.p50, p95: x.rttMs.p95 } }))}
            series={[
              { key: 'p50', label: 'median', color: '#2f6fed' },
              { key: 'p95', label: 'p95', color: '#862e9c' },
            ]}
            unit="ms"
            height={200}
            formatT={formatT}
            hrefFor={(bt) => bucketLink(bt)}
          />
        </ChartPanel>
      </div>
      <div className="overview-grid">
        <Breakdown
          title="By browser"
          testId="breakdown-browser"
          rows={data.breakdowns.browser}
          name={(r) => `${r.value || 'unknown'}${r.major ? ` ${r.major}` : ''}`}
          href={(r) => (r.value ? link({ browser: r.value }) : undefined)}
        />
        <Breakdown
          title="By operating system"
          testId="breakdown-os"
          rows={data.breakdowns.os}
          name={(r) => r.value || 'unknown'}
          href={(r) => (r.value ? link({ os: r.value }) : undefined)}
        />
        <Breakdown
          title="By client protocol"
          testId="breakdown-protocol"
          rows={data.breakdowns.protocol}
          name={(r) => r.value || 'unknown'}
          href={(r) => (r.value ? link({ protocol: r.value }) : undefined)}
        />
      </div>
      <WorstCalls data={data} link={link} />
    </div>
  );
}

function Total({
  label,
  value,
  href,
  testId,
}: {
  label: string;
  value: string | number;
  href?: string;
  testId?: string;
}) {
  return (
    <div className="overview-total" data-testid={testId}>
      <span className="muted small">{label}</span>
      {href ? (
        <a href={href}>
          <strong>{value}</strong>
        </a>
      ) : (
        <strong>{value}</strong>
      )}
    </div>
  );
}

function ChartPanel({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="panel">
      <h2 className="panel-title">{title}</h2>
      {children}
    </section>
  );
}

function Breakdown({
  title,
  testId,
  rows,
  name,
  href,
}: {
  title: string;
  testId: string;
  rows: OverviewBreakdownRow[];
  name: (r: OverviewBreakdownRow) => string;
  href: (r: OverviewBreakdownRow) => string | undefined;
}) {
  return (
    <section className="panel" data-testid={testId}>
      <h2 className="panel-title">{title}</h2>
      <div className="table-wrap">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Value</th>
              <th scope="col">Sessions</th>
              <th scope="col">Poor</th>
              <th scope="col">Relay</th>
              <th scope="col">TCP</th>
              <th scope="col">ICE failed</th>
              <th scope="col">gUM error</th>
              <th scope="col">Connect p50</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const to = href(r);
              return (
                <tr
                  key={`${r.value}|${r.major ?? ''}`}
                  data-testid="breakdown-row"
                  data-value={r.value}
                  data-sessions={r.sessions}
                >
                  <th scope="row">{to ? <a href={to}>{name(r)}</a> : name(r)}</th>
                  <td>{r.sessions}</td>
                  <td>{pct(r.poor, r.sessions)}</td>
                  <td>{pct(r.relay, r.sessions)}</td>
                  <td>{pct(r.tcp, r.sessions)}</td>
                  <td>{pct(r.iceFailed, r.sessions)}</td>
                  <td>{pct(r.gumError, r.sessions)}</td>
                  <td>{r.connectMs.p50 === null ? '–' : `${r.connectMs.p50} ms`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function WorstCalls({ data, link }: { data: Overview; link: (n: Partial<SearchNarrowing>) => string }) {
  const { formatDateTime } = useTimeFormat();
  return (
    <section className="panel" data-testid="worst-calls">
      <h2 className="panel-title">The ten worst calls (lowest audio MOS)</h2>
      {data.worst.length === 0 ? (
        <p className="muted">No call with an audio MOS in this range.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Conference</th>
                <th scope="col">Worst session</th>
                <th scope="col">Start</th>
                <th scope="col">MOS</th>
                <th scope="col">RTT</th>
                <th scope="col">Quality</th>
                <th scope="col">Issues</th>
              </tr>
            </thead>
            <tbody>
              {data.worst.map((w) => (
                <tr key={w.id} data-testid="worst-row" data-id={w.id}>
                  <th scope="row">
                    <a href={link({ q: w.conference ?? w.session ?? w.id })}>{w.conference ?? '(no conference)'}</a>
                  </th>
                  <td>
                    <Link href={`/sessions/${w.id}`}>{w.user ?? w.session ?? w.id}</Link>
                  </td>
                  <td>{formatDateTime(w.start)}</td>
                  <td>{w.mos}</td>
                  <td>{w.rttMs === null ? '–' : `${Math.round(w.rttMs)} ms`}</td>
                  <td>
                    <QualityBadge quality={w.quality} />
                  </td>
                  <td>
                    {w.issueTypes.map((i) => (
                      <IssueBadge key={i} type={i} />
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
