'use client';

import { useState } from 'react';
import { CheckField, Field } from '@/components/form-fields';
import { useNewSigningKey } from '@/lib/client/hooks/use-signing-keys';
import type { NewSigningKeyResponse, SigningKeyDto } from '@/lib/schemas/settings';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { SecretBox } from '../secret-box';
import { formatSeconds } from '../settings-format';

/**
 * Asks before creating the first key or rotating, with the options: a pasted secret instead of a generated one,
 * and (rotation) revoking the current key at once. Mount it afresh for each opening (a `key`), so no option or
 * error of a previous attempt is left over.
 */
export function NewKeyDialog({
  open,
  activeKey,
  graceSeconds,
  onCreated,
  onClose,
}: {
  open: boolean;
  /** The key a rotation demotes; none: this creates the first key. */
  activeKey: SigningKeyDto | undefined;
  graceSeconds: number | undefined;
  onCreated: (created: NewSigningKeyResponse) => void;
  onClose: () => void;
}) {
  const newKey = useNewSigningKey();
  const [pasted, setPasted] = useState('');
  const [usePasted, setUsePasted] = useState(false);
  const [emergency, setEmergency] = useState(false);
  const action = activeKey ? 'rotate' : 'create';

  const close = () => {
    setPasted('');
    newKey.reset();
    onClose();
  };
  const confirm = () =>
    newKey.mutate(
      {
        action,
        secret: usePasted ? pasted : undefined,
        graceSeconds: action === 'rotate' && emergency ? 0 : undefined,
      },
      {
        onSuccess: (data) => {
          onCreated(data);
          setPasted('');
          newKey.reset(); // drop the secret from the mutation cache; the page's state holds it until dismissed
        },
      },
    );

  return (
    <ConfirmDialog
      open={open}
      title={action === 'rotate' ? 'Rotate the signing key?' : 'Create a signing key?'}
      confirmLabel={action === 'rotate' ? 'Rotate' : 'Create'}
      busy={newKey.isPending}
      error={newKey.error}
      onConfirm={confirm}
      onCancel={close}
    >
      {activeKey ? (
        <p>
          A new key becomes active. The current key <span className="kid">{activeKey.kid}</span>{' '}
          {emergency ? (
            <strong>is revoked at once: clients with its tokens are refused from now on.</strong>
          ) : (
            <>keeps verifying for {formatSeconds(graceSeconds)}, then is revoked by itself.</>
          )}
        </p>
      ) : (
        <p>The new key becomes active and signs the tokens Callscope mints. Its secret is shown once.</p>
      )}
      <CheckField
        checked={usePasted}
        onCheckedChange={setUsePasted}
        label="Use a secret I paste (at least 32 bytes) instead of a generated one"
      />
      {usePasted ? (
        <Field label="Secret">
          <textarea
            rows={2}
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            data-testid="pasted-secret"
          />
        </Field>
      ) : null}
      {action === 'rotate' ? (
        <CheckField
          checked={emergency}
          onCheckedChange={setEmergency}
          label="Emergency: revoke the current key now (no grace period)"
        />
      ) : null}
    </ConfirmDialog>
  );
}

/** The new key's secret, shown once, with what happens to the previous key. */
export function NewSecretBox({ created, onDismiss }: { created: NewSigningKeyResponse; onDismiss: () => void }) {
  const kid = created.key.kid;
  return (
    <SecretBox
      label="New signing secret"
      testId="new-secret-box"
      heading={
        <>
          Copy the secret of key <span className="kid">{kid}</span> now. It is shown once and never again.
        </>
      }
      secret={{ value: created.secret, label: 'Signing secret', testId: 'new-secret', copyTestId: 'copy-secret' }}
      onDismiss={onDismiss}
      dismissTestId="dismiss-secret"
    >
      <p className="small">
        Backends that sign their own tokens need it (HS256, header <code>kid: {kid}</code> optional). Backends that call{' '}
        <code>POST /api/v1/tokens</code> do not.
        {created.previous.length
          ? ` Previous key ${created.previous.map((p) => p.kid).join(', ')} ${
              created.graceSeconds === 0
                ? 'was revoked now.'
                : `verifies for ${formatSeconds(created.graceSeconds)} more, then is revoked.`
            }`
          : ''}
      </p>
    </SecretBox>
  );
}
