'use client';

import type { ReactNode } from 'react';
import { type Column, DataTable } from '@/components/data-table';
import { DataState, type QueryLike } from '@/components/data-state';

/**
 * A settings list (keys, API keys, staff, audit entries): a panel holding the query's loading / error / empty
 * state and, once there are rows, the table; `footer` goes under the table (a pager).
 */
export function SettingsTable({
  query,
  stateTestId,
  isEmpty,
  empty,
  testId,
  caption,
  columns,
  compact,
  footer,
  children,
}: {
  query: QueryLike;
  stateTestId: string;
  isEmpty: boolean;
  empty?: ReactNode;
  testId: string;
  caption: string;
  columns: Column[];
  compact?: boolean;
  footer?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="panel">
      <DataState testId={stateTestId} query={query} isEmpty={isEmpty} empty={empty}>
        <DataTable columns={columns} caption={caption} testId={testId} compact={compact}>
          {children}
        </DataTable>
        {footer}
      </DataState>
    </div>
  );
}

/** The row actions' column: named "Actions" for screen readers only. */
export const ACTIONS_COLUMN: Column = { label: 'Actions', srOnly: true };

/** A small button in a table row; `ariaLabel` names the row it acts on ("Revoke key cs-…"). */
export function RowButton({
  ariaLabel,
  testId,
  disabled,
  onClick,
  children,
}: {
  ariaLabel: string;
  testId: string;
  disabled?: boolean;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="btn btn-small"
      data-testid={testId}
      disabled={disabled}
      aria-label={ariaLabel}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

/** A key's or an account's state (active, verifying, revoked, disabled) as a coloured badge. */
export function StateBadge({ state, text = state, testId }: { state: string; text?: string; testId?: string }) {
  return (
    <span className={`badge state-badge state-${state}`} data-testid={testId}>
      {text}
    </span>
  );
}
