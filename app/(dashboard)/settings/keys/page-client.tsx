'use client';

import { useState } from 'react';
import { DataState, errorMessage } from '@/components/data-state';
import { useNewSigningKey, useRevokeSigningKey, useSigningKeys } from '@/lib/client/hooks/use-signing-keys';
import type { NewSigningKeyResponse, SigningKeyDto } from '@/lib/schemas/settings';
import { ConfirmDialog } from '../confirm-dialog';
import { CopyField } from '../copy-field';
import { formatRelative, formatSeconds } from '../settings-format';
import { GracePeriodForm } from './grace-period-form';
import { useTimeFormat } from '@/components/display-zone-provider';

type Pending = { kind: 'new'; action: 'create' | 'rotate' } | { kind: 'revoke'; key: SigningKeyDto } | null;

export function KeysPageClient() {
  const { formatDateTime } = useTimeFormat();
  const query = useSigningKeys();
  const newKey = useNewSigningKey();
  const revoke = useRevokeSigningKey();
  const [pending, setPending] = useState<Pending>(null);
  const [pasted, setPasted] = useState('');
  const [usePasted, setUsePasted] = useState(false);
  const [emergency, setEmergency] = useState(false);
  // The new secret lives only here, until the admin dismisses it; it is never cached or refetched.
  const [created, setCreated] = useState<NewSigningKeyResponse | null>(null);

  const keys = query.data?.keys ?? [];
  const grace = query.data?.grace;
  const activeDbKey = keys.find((k) => k.source === 'db' && k.state === 'active');
  const action: 'create' | 'rotate' = activeDbKey ? 'rotate' : 'create';

  function openNew() {
    setPasted('');
    setUsePasted(false);
    setEmergency(false);
    newKey.reset();
    setPending({ kind: 'new', action });
  }

  function closeDialog() {
    setPending(null);
    setPasted('');
    newKey.reset();
    revoke.reset();
  }

  function confirm() {
    if (!pending) return;
    if (pending.kind === 'revoke') {
      revoke.mutate(pending.key.id, { onSuccess: closeDialog });
      return;
    }
    newKey.mutate(
      {
        action: pending.action,
        secret: usePasted ? pasted : undefined,
        graceSeconds: pending.action === 'rotate' && emergency ? 0 : undefined,
      },
      {
        onSuccess: (data) => {
          setCreated(data);
          setPending(null);
          setPasted('');
          newKey.reset(); // drop the secret from the mutation cache; component state holds it until dismissed
        },
      },
    );
  }

  const dialogError =
    pending?.kind === 'revoke'
      ? revoke.error
        ? errorMessage(revoke.error)
        : null
      : newKey.error
        ? errorMessage(newKey.error)
        : null;

  return (
    <section className="page" aria-labelledby="keys-title">
      <div className="page-head page-head-row">
        <div>
          <h1 id="keys-title">Signing keys</h1>
          <p className="muted">
            Ingest tokens are HS256 JWTs signed with these secrets. Rotation keeps the previous key verifying for the
            grace period, so clients holding older tokens keep connecting. A connection already accepted stays connected
            when its key is rotated or revoked: tokens are checked when a client connects.
          </p>
        </div>
        <div className="head-actions">
          <button
            type="button"
            className="btn btn-primary"
            onClick={openNew}
            disabled={query.isPending || !!query.error}
            data-testid={action === 'rotate' ? 'rotate-key' : 'create-key'}
          >
            {action === 'rotate' ? 'Rotate key' : 'Create signing key'}
          </button>
        </div>
      </div>

      {created ? (
        <section className="once-box" data-testid="new-secret-box" aria-label="New signing secret">
          <strong>
            Copy the secret of key <span className="kid">{created.key.kid}</span> now. It is shown once and never again.
          </strong>
          <p className="small">
            Backends that sign their own tokens need it (HS256, header <code>kid: {created.key.kid}</code> optional).
            Backends that call <code>POST /api/v1/tokens</code> do not.
            {created.previous.length
              ? ` Previous key ${created.previous.map((p) => p.kid).join(', ')} ${
                  created.graceSeconds === 0
                    ? 'was revoked now.'
                    : `verifies for ${formatSeconds(created.graceSeconds)} more, then is revoked.`
                }`
              : ''}
          </p>
          <CopyField value={created.secret} label="Signing secret" testId="new-secret" copyTestId="copy-secret" />
          <div>
            <button type="button" className="btn" onClick={() => setCreated(null)} data-testid="dismiss-secret">
              I have stored it
            </button>
          </div>
        </section>
      ) : null}

      <div className="panel">
        <DataState
          testId="keys-state"
          isLoading={query.isPending}
          error={query.error}
          onRetry={() => query.refetch()}
          isEmpty={keys.length === 0}
          empty={
            <div data-testid="keys-empty">
              <strong>No signing key yet.</strong>
              <p className="muted">
                Ingest refuses every token until a key exists. Create one, or set <code>CALLSCOPE_JWT_SECRET</code>.
              </p>
            </div>
          }
        >
          <div className="table-wrap">
            <table className="table" data-testid="keys-table">
              <caption className="sr-only">Signing keys, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Key id (kid)</th>
                  <th scope="col">State</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col" className="num">
                    Verified (24 h)
                  </th>
                  <th scope="col">Ends</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
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
                      <span className={`badge state-badge state-${k.state}`} data-testid="key-state">
                        {k.state}
                      </span>
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
                        <button
                          type="button"
                          className="btn btn-small"
                          data-testid="revoke-key"
                          aria-label={`Revoke key ${k.kid}`}
                          onClick={() => {
                            revoke.reset();
                            setPending({ kind: 'revoke', key: k });
                          }}
                        >
                          Revoke
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </DataState>
      </div>

      {grace ? <GracePeriodForm grace={grace} /> : null}

      <ConfirmDialog
        open={pending?.kind === 'new'}
        title={action === 'rotate' ? 'Rotate the signing key?' : 'Create a signing key?'}
        confirmLabel={action === 'rotate' ? 'Rotate' : 'Create'}
        busy={newKey.isPending}
        error={pending?.kind === 'new' ? dialogError : null}
        onConfirm={confirm}
        onCancel={closeDialog}
      >
        {action === 'rotate' && activeDbKey ? (
          <p>
            A new key becomes active. The current key <span className="kid">{activeDbKey.kid}</span>{' '}
            {emergency ? (
              <strong>is revoked at once: clients with its tokens are refused from now on.</strong>
            ) : (
              <>keeps verifying for {formatSeconds(grace?.seconds)}, then is revoked by itself.</>
            )}
          </p>
        ) : (
          <p>The new key becomes active and signs the tokens Callscope mints. Its secret is shown once.</p>
        )}
        <label className="field-check">
          <input type="checkbox" checked={usePasted} onChange={(e) => setUsePasted(e.target.checked)} />
          Use a secret I paste (at least 32 bytes) instead of a generated one
        </label>
        {usePasted ? (
          <label className="field">
            Secret
            <textarea
              rows={2}
              value={pasted}
              onChange={(e) => setPasted(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              data-testid="pasted-secret"
            />
          </label>
        ) : null}
        {action === 'rotate' ? (
          <label className="field-check">
            <input type="checkbox" checked={emergency} onChange={(e) => setEmergency(e.target.checked)} />
            Emergency: revoke the current key now (no grace period)
          </label>
        ) : null}
      </ConfirmDialog>

      <ConfirmDialog
        open={pending?.kind === 'revoke'}
        title="Revoke this key?"
        confirmLabel="Revoke"
        destructive
        busy={revoke.isPending}
        error={pending?.kind === 'revoke' ? dialogError : null}
        onConfirm={confirm}
        onCancel={closeDialog}
      >
        {pending?.kind === 'revoke' ? (
          <p>
            Tokens signed with <span className="kid">{pending.key.kid}</span> are refused from the next connection
            attempt (<code>key revoked</code>).{' '}
            {pending.key.state === 'active'
              ? 'It is the active key: Callscope cannot mint tokens until you create or rotate a key. '
              : ''}
            Connections already open stay open.
          </p>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}
