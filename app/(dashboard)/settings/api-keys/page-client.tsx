'use client';

import { useState } from 'react';
import { useTimeFormat } from '@/components/display-zone-provider';
import { Field, FormError, TextField } from '@/components/form-fields';
import { useApiKeys, useCreateApiKey, useRevokeApiKey } from '@/lib/client/hooks/use-api-keys';
import type { ApiKeyDto, NewApiKeyResponse } from '@/lib/schemas/settings';
import type { Role } from '@/lib/shared/roles';
import { RevokeDialog } from '../revoke-dialog';
import { RoleSelect } from '../role-select';
import { SecretBox } from '../secret-box';
import { formatRelative } from '../settings-format';
import { PanelForm, SettingsPage } from '../settings-page';
import { ACTIONS_COLUMN, RowButton, SettingsTable, StateBadge } from '../settings-table';

const COLUMNS = ['Name', 'Key', 'Role', 'Created', 'Last used', 'Status', ACTIONS_COLUMN];

/** API keys for backends: create one (its key shown once), the list, revoke behind a confirmation. */
export function ApiKeysPageClient() {
  const query = useApiKeys();
  // The full key stays in component state only, until dismissed.
  const [created, setCreated] = useState<NewApiKeyResponse | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyDto | null>(null);
  const keys = query.data?.apiKeys ?? [];

  return (
    <SettingsPage
      titleId="api-keys-title"
      title="API keys"
      intro={
        <>
          For backends and automation: send <code>Authorization: Bearer cs_…</code>. An admin key may call{' '}
          <code>POST /api/v1/tokens</code> to mint ingest tokens without holding the signing secret. Only a hash is
          stored; the key is shown once.
        </>
      }
    >
      {created ? (
        <SecretBox
          label="New API key"
          testId="new-api-key-box"
          heading={<>Copy the key &ldquo;{created.apiKey.name}&rdquo; now. It is shown once and never again.</>}
          secret={{ value: created.key, label: 'API key', testId: 'new-api-key', copyTestId: 'copy-api-key' }}
          onDismiss={() => setCreated(null)}
          dismissTestId="dismiss-api-key"
        />
      ) : null}
      <NewApiKeyForm onCreated={setCreated} />
      <SettingsTable
        query={query}
        stateTestId="api-keys-state"
        isEmpty={keys.length === 0}
        empty={<span data-testid="api-keys-empty">No API keys yet.</span>}
        testId="api-keys-table"
        caption="API keys, newest first"
        columns={COLUMNS}
      >
        {keys.map((k) => (
          <ApiKeyRow key={k.id} apiKey={k} onRevoke={() => setRevoking(k)} />
        ))}
      </SettingsTable>
      <RevokeApiKeyDialog target={revoking} onClose={() => setRevoking(null)} />
    </SettingsPage>
  );
}

function NewApiKeyForm({ onCreated }: { onCreated: (created: NewApiKeyResponse) => void }) {
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('admin');

  function onSubmit() {
    create.mutate(
      { name: name.trim(), role },
      {
        onSuccess: (data) => {
          onCreated(data);
          setName('');
          create.reset(); // the full key must not stay in the mutation cache
        },
      },
    );
  }

  return (
    <PanelForm titleId="new-key-title" title="New API key" testId="create-api-key-form" onSubmit={onSubmit}>
      <div className="form-row">
        <TextField
          label="Name"
          required
          maxLength={100}
          value={name}
          placeholder="e.g. billing backend"
          onValue={setName}
          data-testid="api-key-name"
        />
        <Field label="Role">
          <RoleSelect value={role} onRoleChange={setRole} data-testid="api-key-role" />
        </Field>
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="create-api-key">
          Create key
        </button>
      </div>
      <FormError error={create.error} />
    </PanelForm>
  );
}

function ApiKeyRow({ apiKey: k, onRevoke }: { apiKey: ApiKeyDto; onRevoke: () => void }) {
  const { formatDateTime } = useTimeFormat();
  return (
    <tr data-testid="api-key-row" data-prefix={k.prefix} className={k.revokedAt ? 'row-muted' : undefined}>
      <td>{k.name}</td>
      <td className="kid">{k.prefix}…</td>
      <td>{k.role}</td>
      <td className="nowrap">{formatDateTime(k.createdAt)}</td>
      <td className="nowrap">{formatRelative(k.lastUsedAt)}</td>
      <td>
        <StateBadge state={k.revokedAt ? 'revoked' : 'active'} />
      </td>
      <td>
        {k.revokedAt ? null : (
          <RowButton testId="revoke-api-key" ariaLabel={`Revoke API key ${k.name}`} onClick={onRevoke}>
            Revoke
          </RowButton>
        )}
      </td>
    </tr>
  );
}

function RevokeApiKeyDialog({ target, onClose }: { target: ApiKeyDto | null; onClose: () => void }) {
  const revoke = useRevokeApiKey();
  return (
    <RevokeDialog
      target={target}
      title={`Revoke the API key “${target?.name ?? ''}”?`}
      revoke={revoke}
      onClose={onClose}
    >
      <p>
        Requests with <span className="kid">{target?.prefix}…</span> are refused (401) from now on. This cannot be
        undone.
      </p>
    </RevokeDialog>
  );
}
