'use client';

import { useState } from 'react';
import { useSigningKeys } from '@/lib/client/hooks/use-signing-keys';
import type { NewSigningKeyResponse, SigningKeyDto } from '@/lib/schemas/settings';
import { SettingsPage } from '../settings-page';
import { GracePeriodForm } from './grace-period-form';
import { KeysTable, RevokeKeyDialog } from './keys-table';
import { NewKeyDialog, NewSecretBox } from './new-key';

/** Signing keys: the list, create / rotate / revoke behind a confirmation, the new secret once, the grace period. */
export function KeysPageClient() {
  const query = useSigningKeys();
  const [newOpen, setNewOpen] = useState(false);
  // Each opening mounts a fresh dialog: no option or error of the last attempt is left in it.
  const [openings, setOpenings] = useState(0);
  const [revoking, setRevoking] = useState<SigningKeyDto | null>(null);
  // The new secret lives only here, until the admin dismisses it; it is never cached or refetched.
  const [created, setCreated] = useState<NewSigningKeyResponse | null>(null);

  const keys = query.data?.keys ?? [];
  const grace = query.data?.grace;
  const activeDbKey = keys.find((k) => k.source === 'db' && k.state === 'active');
  const rotate = activeDbKey !== undefined;

  return (
    <SettingsPage
      titleId="keys-title"
      title="Signing keys"
      intro={
        <>
          Ingest tokens are HS256 JWTs signed with these secrets. Rotation keeps the previous key verifying for the
          grace period, so clients holding older tokens keep connecting. A connection already accepted stays connected
          when its key is rotated or revoked: tokens are checked when a client connects.
        </>
      }
      actions={
        <div className="head-actions">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              setOpenings((n) => n + 1);
              setNewOpen(true);
            }}
            disabled={query.isPending || !!query.error}
            data-testid={rotate ? 'rotate-key' : 'create-key'}
          >
            {rotate ? 'Rotate key' : 'Create signing key'}
          </button>
        </div>
      }
    >
      {created ? <NewSecretBox created={created} onDismiss={() => setCreated(null)} /> : null}
      <KeysTable query={query} keys={keys} onRevoke={setRevoking} />
      {grace ? <GracePeriodForm grace={grace} /> : null}
      <NewKeyDialog
        key={openings}
        open={newOpen}
        activeKey={activeDbKey}
        graceSeconds={grace?.seconds}
        onCreated={(data) => {
          setCreated(data);
          setNewOpen(false);
        }}
        onClose={() => setNewOpen(false)}
      />
      <RevokeKeyDialog target={revoking} onClose={() => setRevoking(null)} />
    </SettingsPage>
  );
}
