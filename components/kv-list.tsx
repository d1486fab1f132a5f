import type { ReactNode } from 'react';

/** One label / value line of a `<dl className="kv">`; a missing value shows as a muted dash. */
export function KvItem({ label, children }: { label: string; children?: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children ?? <span className="muted">—</span>}</dd>
    </div>
  );
}
