'use client';

import { useMemo } from 'react';
import { DataTable } from '@/components/data-table';
import { useTimeFormat } from '@/components/display-zone-provider';
import { KvItem } from '@/components/kv-list';
import { formatBytes, formatDuration } from '@/lib/client/format';
import type { ConnectionDto, SessionDetail, SessionEvent } from '@/lib/client/types';

type CandidateInfo = NonNullable<ConnectionDto['selectedPair']>['local'];

interface ParsedCandidate {
  side: 'local' | 'remote';
  pc: string | null;
  time: number;
  type: string;
  protocol: string;
  address: string;
  port: string;
  priority: string;
  tcpType: string | null;
  relatedAddress: string | null;
  networkId: string | null;
  raw: string;
}

/** `candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host tcptype active ...` → fields. */
function parseCandidate(raw: string): Omit<ParsedCandidate, 'side' | 'pc' | 'time'> | null {
  const text = raw.replace(/^a=/, '').trim();
  const parts = text.split(/\s+/);
  if (parts.length < 8 || !parts[0].startsWith('candidate:')) return null;
  const attr = (name: string) => {
    const i = parts.indexOf(name);
    return i >= 0 && i + 1 < parts.length ? parts[i + 1] : null;
  };
  return {
    protocol: parts[2].toLowerCase(),
    priority: parts[3],
    address: parts[4],
    port: parts[5],
    type: attr('typ') ?? '?',
    tcpType: attr('tcptype'),
    relatedAddress: attr('raddr'),
    networkId: attr('network-id'),
    raw: text,
  };
}

function candidateText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { candidate?: unknown }).candidate === 'string') {
    return (value as { candidate: string }).candidate;
  }
  return null;
}

/** Local candidates from `onicecandidate`, remote ones from `addIceCandidate`. */
function candidatesFromEvents(events: SessionEvent[]): ParsedCandidate[] {
  const out: ParsedCandidate[] = [];
  for (const e of events) {
    const side = e.type === 'onicecandidate' ? 'local' : e.type === 'addIceCandidate' ? 'remote' : null;
    if (!side) continue;
    const text = candidateText(e.value);
    const parsed = text ? parseCandidate(text) : null;
    if (parsed) out.push({ ...parsed, side, pc: e.pc, time: e.time });
  }
  return out;
}

function isSelected(c: ParsedCandidate, selected: CandidateInfo | null | undefined): boolean {
  if (!selected) return false;
  if (selected.candidateType && selected.candidateType !== c.type) return false;
  if (selected.protocol && selected.protocol.toLowerCase() !== c.protocol) return false;
  if (selected.address && selected.address !== c.address) return false;
  return true;
}

function CandidateCell({ c }: { c: CandidateInfo | null | undefined }) {
  if (!c) return <span className="muted">—</span>;
  return (
    <span>
      <strong>{c.candidateType ?? '?'}</strong> {c.protocol ?? ''}
      {c.relayProtocol ? ` (TURN over ${c.relayProtocol})` : ''}
      {c.address ? ` · ${c.address}` : ''}
      {c.networkType ? ` · ${c.networkType}` : ''}
      {c.url ? <span className="muted small"> · {c.url}</span> : null}
    </span>
  );
}

function StateRow({ label, changes }: { label: string; changes: { state: string; time: number }[] }) {
  const { formatTime } = useTimeFormat();
  if (!changes.length) return null;
  return (
    <div className="state-row">
      <dt>{label}</dt>
      <dd>
        {changes.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
          <span key={`${c.time}-${i}`} className={`state-chip state-${c.state}`} title={formatTime(c.time)}>
            {c.state}
          </span>
        ))}
      </dd>
    </div>
  );
}

/** The session's peer connections, each with the ICE candidates its event log shows. */
export function ConnectionsSection({
  analysis,
  events,
}: {
  analysis: SessionDetail['analysis'];
  events: SessionEvent[];
}) {
  const candidates = useMemo(() => candidatesFromEvents(events), [events]);
  const connections = analysis?.connections ?? [];
  return (
    <section aria-labelledby="pc-title" data-testid="connections">
      <h2 id="pc-title" className="section-title">
        Peer connections ({connections.length})
      </h2>
      {connections.map((c) => (
        <ConnectionCard key={c.pc} connection={c} candidates={candidates.filter((x) => x.pc === c.pc)} />
      ))}
      {analysis && connections.length === 0 ? <p className="muted">No peer connections.</p> : null}
    </section>
  );
}

/** One peer connection: its life, warning badges, configuration, states, selected pair and candidates. */
function ConnectionCard({ connection: c, candidates }: { connection: ConnectionDto; candidates: ParsedCandidate[] }) {
  const { formatTime } = useTimeFormat();
  return (
    <article className="panel connection" data-testid="connection" data-pc={c.pc}>
      <header className="connection-head">
        <h3>{c.pc}</h3>
        <span className="muted small">
          {formatTime(c.start)} – {formatTime(c.end)} · {formatDuration(c.end - c.start)}
          {c.closed ? ' · closed' : ''}
        </span>
        <span className="badges">
          {c.iceFailed ? <span className="badge severity-critical">ICE failed</span> : null}
          {c.usesRelay ? (
            <span className="badge severity-warning">TURN relay{c.relayProtocol ? ` (${c.relayProtocol})` : ''}</span>
          ) : null}
          {c.usesTcp ? <span className="badge severity-warning">TCP</span> : null}
          {c.disconnections.length ? (
            <span className="badge severity-warning">
              {c.disconnections.length} disconnection{c.disconnections.length === 1 ? '' : 's'}
            </span>
          ) : null}
        </span>
      </header>
      <div className="connection-grid">
        <ConfigurationSection configuration={c.configuration} />
        <section>
          <h4>States</h4>
          <dl className="kv states">
            <StateRow label="Signaling" changes={c.states.signaling} />
            <StateRow label="ICE gathering" changes={c.states.iceGathering} />
            <StateRow label="ICE" changes={c.states.iceConnection} />
            <StateRow label="DTLS" changes={c.states.dtls} />
            <StateRow label="Connection" changes={c.states.connection} />
          </dl>
        </section>
        <SelectedPairSection connection={c} />
      </div>
      <CandidatesSection connection={c} candidates={candidates} />
    </article>
  );
}

function ConfigurationSection({ configuration: cfg }: { configuration: ConnectionDto['configuration'] }) {
  return (
    <section>
      <h4>Configuration</h4>
      {cfg ? (
        <dl className="kv">
          <KvItem label="ICE servers">
            {cfg.iceServers.length ? (
              <ul className="plain">
                {cfg.iceServers.map((s, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
                  <li key={`${s.urls.join(',')}-${i}`} className="mono small">
                    {s.urls.join(', ')}
                  </li>
                ))}
              </ul>
            ) : (
              'none'
            )}
          </KvItem>
          <KvItem label="Transport policy">{cfg.iceTransportPolicy ?? 'all (default)'}</KvItem>
          <KvItem label="Bundle policy">{cfg.bundlePolicy ?? 'default'}</KvItem>
          <KvItem label="RTCP mux">{cfg.rtcpMuxPolicy ?? 'default'}</KvItem>
          {cfg.sdpSemantics ? <KvItem label="SDP semantics">{cfg.sdpSemantics}</KvItem> : null}
        </dl>
      ) : (
        <p className="muted small">Not recorded.</p>
      )}
    </section>
  );
}

function SelectedPairSection({ connection: c }: { connection: ConnectionDto }) {
  return (
    <section>
      <h4>Selected candidate pair</h4>
      <dl className="kv" data-testid="selected-pair">
        <KvItem label="Local">
          <CandidateCell c={c.selectedPair?.local} />
        </KvItem>
        <KvItem label="Remote">
          <CandidateCell c={c.selectedPair?.remote} />
        </KvItem>
        <KvItem label="Changes">{Math.max(0, c.selectedPairChanges.length - 1)}</KvItem>
        <KvItem label="Traffic">
          ↑ {formatBytes(c.summary?.bytesSent)} · ↓ {formatBytes(c.summary?.bytesReceived)}
          {c.summary?.metrics?.rttMs ? ` · RTT avg ${Math.round(c.summary.metrics.rttMs.avg)} ms` : ''}
        </KvItem>
      </dl>
    </section>
  );
}

const CANDIDATE_COLUMNS = ['Side', 'Type', 'Protocol', 'Address', 'Port', 'Priority', 'Time', 'Selected'];

/** The connection's gathered and received candidates (from the event log), the selected pair's marked. */
function CandidatesSection({
  connection: c,
  candidates,
}: {
  connection: ConnectionDto;
  candidates: ParsedCandidate[];
}) {
  const { formatTime } = useTimeFormat();
  // Stats keep no host addresses, so several candidates can fit the selected pair's description: mark one only
  // when it is unambiguous.
  const selectedKeys = new Set<string>();
  for (const side of ['local', 'remote'] as const) {
    const info = side === 'local' ? c.selectedPair?.local : c.selectedPair?.remote;
    const matches = candidates.filter((x) => x.side === side && isSelected(x, info));
    if (matches.length === 1) selectedKeys.add(`${side}|${matches[0].raw}`);
  }
  return (
    <section>
      <h4>ICE candidates</h4>
      <p className="small muted">
        Gathered: {c.localCandidateTypes.join(', ') || '—'} · received from the far end:{' '}
        {c.remoteCandidateTypes.join(', ') || '—'}
      </p>
      {candidates.length ? (
        <DataTable columns={CANDIDATE_COLUMNS} testId="ice-grid" compact>
          {candidates.map((cand, i) => {
            const selected = selectedKeys.has(`${cand.side}|${cand.raw}`);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
              <tr key={`${cand.raw}-${i}`} className={selected ? 'row-selected' : undefined}>
                <td>{cand.side}</td>
                <td>{cand.type}</td>
                <td>
                  {cand.protocol}
                  {cand.tcpType ? ` (${cand.tcpType})` : ''}
                </td>
                <td className="mono small">{cand.address}</td>
                <td className="mono small">{cand.port}</td>
                <td className="mono small">{cand.priority}</td>
                <td className="small">{formatTime(cand.time)}</td>
                <td>{selected ? <span className="badge quality-good">selected</span> : null}</td>
              </tr>
            );
          })}
        </DataTable>
      ) : (
        <p className="small muted">No candidates in the event log.</p>
      )}
    </section>
  );
}
