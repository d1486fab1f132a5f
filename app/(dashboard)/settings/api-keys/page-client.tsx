'use client';

import { type FormEvent, useState } from 'react';
import { DataState, errorMessage } from '@/components/data-state';
import { useApiKeys, useCreateApiKey, useRevokeApiKey } from '@/lib/client/hooks/use-api-keys';
import type { ApiKeyDto, NewApiKeyResponse } from '@/lib/schemas/settings';
import type { Role } from '@/lib/shared/roles';
import { ConfirmDialog } from '../confirm-dialog';
import { CopyField } from '../copy-field';
import { RoleSelect } from '../role-select';
import { formatRelative } from '../settings-format';
import { useTimeFormat } from '@/components/display-zone-provider';

export function ApiKeysPageClient() {
  const { formatDateTime } = useTimeFormat();
  const query = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('admin');
  const [created, setCreated] = useState<NewApiKeyResponse | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyDto | null>(null);
  const keys = query.data?.apiKeys ?? [];

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate(
      { name: name.trim(), role },
      {
        onSuccess: (data) => {
          setCreated(data);
          setName('');
          create.reset(); // the full key stays in component state only, until dismissed
        },
      },
    );
  }

  return (
    <section className="page" aria-labelledby="api-keys-title">
      <div className="page-head">
        <h1 id="api-keys-title">API keys</h1>
        <p className="muted">
          For backends and automation: send <code>Authorization: Bearer cs_…</code>. An admin key may call{' '}
          <code>POST /api/v1/tokens</code> to mint ingest tokens without holding the signing secret. Only a hash is
          stored; the key is shown once.
        </p>
      </div>

      {created ? (
        <section className="once-box" data-testid="new-api-key-box" aria-label="New API key">
          <strong>Copy the key &ldquo;{created.apiKey.name}&rdquo; now. It is shown once and never again.</strong>
          <CopyField value={created.key} label="API key" testId="new-api-key" copyTestId="copy-api-key" />
          <div>
            <button type="button" className="btn" onClick={() => setCreated(null)} data-testid="dismiss-api-key">
              I have stored it
            </button>
          </div>
        </section>
      ) : null}

      <form
        className="panel form"
        onSubmit={onSubmit}
        aria-labelledby="new-key-title"
        data-testid="create-api-key-form"
      >
        <h2 id="new-key-title" className="panel-title">
          New API key
        </h2>
        <div className="form-row">
          <label className="field">
            Name
            <input
              required
              maxLength={100}
              value={name}
              placeholder="e.g. billing backend"
              onChange={(e) => setName(e.target.value)}
              data-testid="api-key-name"
            />
          </label>
          <label className="field">
            Role
            <RoleSelect value={role} onRoleChange={setRole} data-testid="api-key-role" />
          </label>
          <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="create-api-key">
            Create key
          </button>
        </div>
        {create.error ? (
          <p className="form-error" role="alert">
            {errorMessage(create.error)}
          </p>
        ) : null}
      </form>

      <div className="panel">
        <DataState
          testId="api-keys-state"
          isLoading={query.isPending}
          error={query.error}
          onRetry={() => query.refetch()}
          isEmpty={keys.length === 0}
          empty={<span data-testid="api-keys-empty">No API keys yet.</span>}
        >
          <div className="table-wrap">
            <table className="table" data-testid="api-keys-table">
              <caption className="sr-only">API keys, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr
                    key={k.id}
                    data-testid="api-key-row"
                    data-prefix={k.prefix}
                    className={k.revokedAt ? 'row-muted' : undefined}
                  >
                    <td>{k.name}</td>
                    <td className="kid">{k.prefix}…</td>
                    <td>{k.role}</td>
                    <td className="nowrap">{formatDateTime(k.createdAt)}</td>
                    <td className="nowrap">{formatRelative(k.lastUsedAt)}</td>
                    <td>
                      <span className={`badge state-badge ${k.revokedAt ? 'state-revoked' : 'state-active'}`}>
                        {k.revokedAt ? 'revoked' : 'active'}
                      </span>
                    </td>
                    <td>
                      {k.revokedAt ? null : (
                        <button
                          type="button"
                          className="btn btn-small"
                          data-testid="revoke-api-key"
                          aria-label={`Revoke API key ${k.name}`}
                          onClick={() => {
                            revoke.reset();
                            setRevoking(k);
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </DataState>
      </div>

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke the API key “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke"
        destructive
        busy={revoke.isPending}
        error={revoke.error ? errorMessage(revoke.error) : null}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
        onCancel={() => setRevoking(null)}
      >
        <p>
          Requests with <span className="kid">{revoking?.prefix}…</span> are refused (401) from now on. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}
