/** An SDP split into its session part and one collapsible block per m= section. */
function splitSdp(sdp: string): { title: string; lines: string[] }[] {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const sections: { title: string; lines: string[] }[] = [{ title: 'Session', lines: [] }];
  for (const line of lines) {
    if (line.startsWith('m=')) sections.push({ title: line.slice(2).split(' ')[0], lines: [] });
    sections[sections.length - 1].lines.push(line);
  }
  for (const s of sections.slice(1)) {
    const mid = s.lines.find((l) => l.startsWith('a=mid:'));
    if (mid) s.title += ` (mid ${mid.slice(6)})`;
  }
  return sections;
}

export function sdpOf(value: unknown): { type: string | null; sdp: string } | null {
  if (typeof value === 'string' && value.startsWith('v=0')) return { type: null, sdp: value };
  if (value && typeof value === 'object' && typeof (value as { sdp?: unknown }).sdp === 'string') {
    const v = value as { sdp: string; type?: unknown };
    return { type: typeof v.type === 'string' ? v.type : null, sdp: v.sdp };
  }
  return null;
}

export function SdpView({ sdp, type }: { sdp: string; type: string | null }) {
  const sections = splitSdp(sdp);
  return (
    <div className="sdp" data-testid="sdp">
      {type ? <p className="small muted">SDP {type}</p> : null}
      {sections.map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
        <details key={`${s.title}-${i}`} className="sdp-section" open={i === 0 ? false : undefined} data-testid="sdp-section">
          <summary>
            {s.title} <span className="muted small">({s.lines.length} lines)</span>
          </summary>
          <pre>{s.lines.join('\n')}</pre>
        </details>
      ))}
    </div>
  );
}
