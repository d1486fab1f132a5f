'use client';

import type { QueryLike } from '@/components/data-state';
import { useTimeFormat } from '@/components/display-zone-provider';
import { useRevokeSigningKey } from '@/lib/client/hooks/use-signing-keys';
import type { SigningKeyDto } from '@/lib/schemas/settings';
import { RevokeDialog } from '../revoke-dialog';
import { formatRelative } from '../settings-format';
import { ACTIONS_COLUMN, RowButton, SettingsTable, StateBadge } from '../settings-table';

const COLUMNS = [
  'Key id (kid)',
  'State',
  'Created',
  'Last used',
  { label: 'Verified (24 h)', className: 'num' },
  'Ends',
  ACTIONS_COLUMN,
];

/** The signing keys, newest first, with their usage; `onRevoke` asks to revoke one (the environment's key is read-only). */
export function KeysTable({
  query,
  keys,
  onRevoke,
}: {
  query: QueryLike;
  keys: SigningKeyDto[];
  onRevoke: (key: SigningKeyDto) => void;
}) {
  const { formatDateTime } = useTimeFormat();
  return (
    <SettingsTable
      query={query}
      stateTestId="keys-state"
      isEmpty={keys.length === 0}
      empty={
        <div data-testid="keys-empty">
          <strong>No signing key yet.</strong>
          <p className="muted">
            Ingest refuses every token until a key exists. Create one, or set <code>CALLSCOPE_JWT_SECRET</code>.
          </p>
        </div>
      }
      testId="keys-table"
      caption="Signing keys, newest first"
      columns={COLUMNS}
    >
      {keys.map((k) => (
        <tr
          key={k.id}
          data-testid="key-row"
          data-kid={k.kid}
          data-state={k.state}
          className={k.state === 'revoked' ? 'row-muted' : undefined}
        >
          <td>
            <span className="kid">{k.kid}</span>{' '}
            {k.readOnly ? (
              <span className="badge" title="From CALLSCOPE_JWT_SECRET: change it in the environment">
                env · read-only
              </span>
            ) : null}
          </td>
          <td>
            <StateBadge state={k.state} testId="key-state" />
          </td>
          <td className="nowrap">{k.createdAt ? formatDateTime(k.createdAt) : '—'}</td>
          <td className="nowrap" title={k.lastUsedAt ? formatDateTime(k.lastUsedAt) : undefined}>
            {formatRelative(k.lastUsedAt)}
          </td>
          <td className="num" data-testid="key-verified">
            {k.verifiedLast24h}
          </td>
          <td className="nowrap small">
            {k.state === 'verifying' && k.verifyingUntil
              ? `revoked ${formatRelative(k.verifyingUntil)}`
              : k.state === 'revoked' && k.revokedAt
                ? `revoked ${formatDateTime(k.revokedAt)}`
                : '—'}
          </td>
          <td>
            {!k.readOnly && k.state !== 'revoked' ? (
              <RowButton testId="revoke-key" ariaLabel={`Revoke key ${k.kid}`} onClick={() => onRevoke(k)}>
                Revoke
              </RowButton>
            ) : null}
          </td>
        </tr>
      ))}
    </SettingsTable>
  );
}

/** Asks before revoking `target` (open while it is set); `onClose` once revoked or cancelled. */
export function RevokeKeyDialog({ target, onClose }: { target: SigningKeyDto | null; onClose: () => void }) {
  const revoke = useRevokeSigningKey();
  return (
    <RevokeDialog target={target} title="Revoke this key?" revoke={revoke} onClose={onClose}>
      {target ? (
        <p>
          Tokens signed with <span className="kid">{target.kid}</span> are refused from the next connection attempt (
          <code>key revoked</code>).{' '}
          {target.state === 'active'
            ? 'It is the active key: Callscope cannot mint tokens until you create or rotate a key. '
            : ''}
          Connections already open stay open.
        </p>
      ) : null}
    </RevokeDialog>
  );
}
