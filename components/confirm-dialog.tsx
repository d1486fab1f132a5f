'use client';

import { type ReactNode, useEffect, useId, useRef } from 'react';
import { FormError } from '@/components/form-fields';

/**
 * A modal confirmation on the native <dialog>: focus moves to its first control and stays inside, Escape cancels,
 * and focus returns to the button that opened it. Confirm is `data-testid="confirm"`, cancel `data-testid="cancel"`.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel = 'Confirm',
  destructive = false,
  busy = false,
  confirmDisabled = false,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel?: string;
  destructive?: boolean;
  busy?: boolean;
  /** e.g. while a required field in the dialog is empty. */
  confirmDisabled?: boolean;
  /** The failed confirmation's error (a mutation's), shown above the buttons. */
  error?: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid={open ? 'confirm-dialog' : undefined}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      {open ? (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            if (!busy && !confirmDisabled) onConfirm();
          }}
        >
          <div className="dialog-body">
            <h2 id={titleId}>{title}</h2>
            {children}
            <FormError error={error} />
          </div>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onCancel} disabled={busy} data-testid="cancel">
              Cancel
            </button>
            <button
              type="submit"
              className={destructive ? 'btn btn-danger' : 'btn btn-primary'}
              disabled={busy || confirmDisabled}
              data-testid="confirm"
            >
              {busy ? <span className="spinner spinner-small" aria-hidden="true" /> : null}
              {confirmLabel}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
