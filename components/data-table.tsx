import type { ReactNode } from 'react';

/** A header cell: its text, or `{ label, srOnly }` for a column named only for screen readers (row actions). */
export type Column = string | { label: string; className?: string; srOnly?: boolean };

/**
 * The app's tables: a scrolling wrapper, an optional caption for screen readers, one header row and the body rows
 * (`children`, each caller's own <tr>s with their test ids). `false` columns are left out, for optional columns.
 * Loading, error and empty stay with DataState around it.
 */
export function DataTable({
  columns,
  caption,
  testId,
  compact = false,
  wrapClassName,
  children,
}: {
  columns: (Column | false)[];
  caption?: string;
  testId?: string;
  compact?: boolean;
  /** Extra classes on the scrolling wrapper (e.g. a fixed height). */
  wrapClassName?: string;
  children: ReactNode;
}) {
  return (
    <div className={wrapClassName ? `table-wrap ${wrapClassName}` : 'table-wrap'}>
      <table className={compact ? 'table table-compact' : 'table'} data-testid={testId}>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((column) => {
              if (column === false) return null;
              const { label, className, srOnly } = typeof column === 'string' ? { label: column } : column;
              return (
                <th key={label} scope="col" className={className}>
                  {srOnly ? <span className="sr-only">{label}</span> : label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
