'use client';

import { useState } from 'react';
import { bitrateCauseLabel, formatBitrate, formatNumber, faultLabel } from '@/lib/client/format';
import type { DescribedPair } from './conference-model';
import { useTimeFormat } from '@/components/display-zone-provider';

/** Up to this many pairs, all are shown. Above it (a 10-person call has up to 180 streams) only the worst
 * PREVIEW_PAIRS are, one verdict each, until "Show all": the participants' charts must stay on the first screen. */
const SHOW_ALL_UP_TO = 8;
const PREVIEW_PAIRS = 3;

/** Degraded streams first, then those whose sender was not found, then the healthy ones (stable within each). */
function pairRank(p: DescribedPair): number {
  if (p.verdicts.length > 0) return 0;
  return p.pair.outbound ? 2 : 1;
}

/** Every received stream, written out as "Alice video → Bob", with where the fault is when it degraded. */
export function PairsList({ pairs, onZoom }: { pairs: DescribedPair[]; onZoom: (from: number, to: number) => void }) {
  const { formatTime } = useTimeFormat();
  const [showAll, setShowAll] = useState(false);
  if (pairs.length === 0) {
    return (
      <p className="state state-empty" data-testid="pairs-empty">
        No received streams were matched to a sender yet.
      </p>
    );
  }
  const degraded = pairs.filter((p) => p.verdicts.length > 0).length;
  const ordered = [...pairs].sort((a, b) => pairRank(a) - pairRank(b));
  const collapsed = !showAll && ordered.length > SHOW_ALL_UP_TO;
  const shown = collapsed ? ordered.slice(0, PREVIEW_PAIRS) : ordered;
  return (
    <div className="pairs">
      <p className="muted small">
        {pairs.length} stream{pairs.length === 1 ? '' : 's'}, {degraded} degraded.
      </p>
      <ul className="pair-list">
        {shown.map((p) => {
          const fault = p.verdicts[0]?.fault ?? null;
          const c = p.pair.comparison;
          return (
            <li
              key={p.key}
              className={`pair ${p.verdicts.length ? 'pair-degraded' : p.pair.outbound ? 'pair-ok' : 'pair-unmatched'}`}
              data-testid="pair"
              data-kind={p.kind}
              data-sender={p.sender?.user ?? ''}
              data-receiver={p.receiver?.user ?? ''}
              data-method={p.pair.method ?? ''}
              data-fault={fault ?? ''}
            >
              <div className="pair-head">
                <strong className="pair-sentence" data-testid="pair-sentence">
                  {p.sentence}
                </strong>
                {p.pair.outbound ? (
                  <span className="badge muted" title="How the received track was matched to the sent one">
                    matched by{' '}
                    {p.pair.method === 'ssrc' ? 'SSRC' : p.pair.method === 'msid' ? 'track id (msid)' : 'unknown'}
                  </span>
                ) : (
                  <span className="badge severity-warning">sender not found</span>
                )}
                {p.verdicts.length === 0 && p.pair.outbound ? (
                  <span className="badge quality-good">delivered fine</span>
                ) : null}
              </div>
              {c ? (
                <p className="small muted">
                  Sent {formatBitrate(c.senderAvgBitrate)} · received {formatBitrate(c.receiverAvgBitrate)}
                  {c.deliveryRatio != null ? ` (${Math.round(c.deliveryRatio * 100)}% delivered)` : ''}
                  {c.receiverAvgLossPct != null ? ` · loss ${formatNumber(c.receiverAvgLossPct)}%` : ''}
                </p>
              ) : null}
              {!p.pair.outbound && p.pair.reason ? <p className="small muted">{p.pair.reason}</p> : null}
              {p.verdicts.length ? (
                <ul className="verdicts">
                  {(collapsed ? p.verdicts.slice(0, 1) : p.verdicts).map((v, i) => (
                    <li
                      // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
                      key={`${v.start ?? i}-${i}`}
                      className="verdict"
                      data-testid="verdict"
                      data-fault={v.fault}
                      data-bitrate-cause={v.bitrateCause ?? ''}
                    >
                      <span className={`badge fault fault-${v.fault}`}>{faultLabel(v.fault)}</span>
                      {bitrateCauseLabel(v.bitrateCause) ? (
                        <span className="badge muted" data-testid="verdict-bitrate-cause">
                          bitrate: {bitrateCauseLabel(v.bitrateCause)}
                        </span>
                      ) : null}
                      <span data-testid="verdict-text">{v.text}</span>
                      {v.start != null && v.end != null ? (
                        <button
                          type="button"
                          className="link-button small"
                          onClick={() => onZoom(v.start as number, v.end as number)}
                        >
                          {formatTime(v.start)}–{formatTime(v.end)} · zoom in
                        </button>
                      ) : null}
                      {v.reasons.length && !collapsed ? (
                        <details className="verdict-evidence small" data-testid="verdict-evidence" open>
                          <summary>Evidence</summary>
                          <ul>
                            {v.reasons.map((r, k) => (
                              // biome-ignore lint/suspicious/noArrayIndexKey: read-only list; two lines may read the same
                              <li key={k}>{r}</li>
                            ))}
                          </ul>
                        </details>
                      ) : null}
                    </li>
                  ))}
                  {collapsed && p.verdicts.length > 1 ? (
                    <li className="small muted">
                      and {p.verdicts.length - 1} more period{p.verdicts.length > 2 ? 's' : ''}
                    </li>
                  ) : null}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
      {ordered.length > SHOW_ALL_UP_TO ? (
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={showAll}
          onClick={() => setShowAll((v) => !v)}
          data-testid="pairs-toggle"
        >
          {showAll ? 'Show fewer' : `Show all ${ordered.length} streams`}
        </button>
      ) : null}
    </div>
  );
}
