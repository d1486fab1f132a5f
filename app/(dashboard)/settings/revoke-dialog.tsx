'use client';

import type { ReactNode } from 'react';
import { ConfirmDialog } from '@/components/confirm-dialog';

/** What RevokeDialog needs of a revoke mutation (react-query's, taking the id). */
interface RevokeMutation {
  mutate: (id: string, options: { onSuccess: () => void }) => void;
  reset: () => void;
  isPending: boolean;
  error: unknown;
}

/**
 * Asks before revoking `target` (open while it is set; a signing key, an API key) and revokes it. Closing, after
 * the revocation or on cancel, clears the mutation, so the next opening shows no old error.
 */
export function RevokeDialog({
  target,
  title,
  revoke,
  onClose,
  children,
}: {
  target: { id: string } | null;
  title: string;
  revoke: RevokeMutation;
  onClose: () => void;
  children: ReactNode;
}) {
  const close = () => {
    revoke.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={target !== null}
      title={title}
      confirmLabel="Revoke"
      destructive
      busy={revoke.isPending}
      error={revoke.error}
      onConfirm={() => target && revoke.mutate(target.id, { onSuccess: close })}
      onCancel={close}
    >
      {children}
    </ConfirmDialog>
  );
}
