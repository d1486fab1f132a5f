'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useStaff } from '@/components/layout/staff-context';
import { useEraseUser } from '@/lib/client/hooks/use-user';
import { hasRole } from '@/lib/shared/roles';

/**
 * Admins only: download everything stored about the user (NDJSON), or erase it after a confirmation that names
 * what goes. Both are audited on the server.
 */
export function UserDataActions({ user }: { user: string }) {
  const staff = useStaff();
  const router = useRouter();
  const erase = useEraseUser(user);
  const [confirming, setConfirming] = useState(false);
  if (!hasRole(staff?.role, 'admin')) return null;
  const exportHref = `/api/v1/users/${encodeURIComponent(user)}/export`;
  return (
    <div className="page-actions">
      <a className="btn btn-small" href={exportHref} download data-testid="user-export">
        Export data
      </a>
      <button type="button" className="btn btn-small btn-danger" onClick={() => setConfirming(true)} data-testid="user-erase">
        Erase user
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Erase ${user}?`}
        confirmLabel="Erase everything"
        destructive
        busy={erase.isPending}
        error={erase.error}
        onCancel={() => setConfirming(false)}
        onConfirm={() =>
          erase.mutate(undefined, {
            onSuccess: () => {
              setConfirming(false);
              router.push(`/?q=${encodeURIComponent(user)}`);
            },
          })
        }
      >
        <p>
          Every session of this user goes: rows, raw dumps, series, detected issues, and the user record. Live
          sessions are ended first. This cannot be undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}
