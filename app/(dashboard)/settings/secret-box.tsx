'use client';

import type { ReactNode } from 'react';
import { CopyField } from '@/components/copy-field';

/**
 * A new secret (signing secret, API key), shown once: what it is, a copy field, and the button that dismisses it
 * for good. The secret lives only in the page's state until then.
 */
export function SecretBox({
  label,
  testId,
  heading,
  children,
  secret,
  onDismiss,
  dismissTestId,
}: {
  /** The box's accessible name. */
  label: string;
  testId: string;
  heading: ReactNode;
  /** More about the secret, under the heading. */
  children?: ReactNode;
  secret: { value: string; label: string; testId: string; copyTestId: string };
  onDismiss: () => void;
  dismissTestId: string;
}) {
  return (
    <section className="once-box" data-testid={testId} aria-label={label}>
      <strong>{heading}</strong>
      {children}
      <CopyField value={secret.value} label={secret.label} testId={secret.testId} copyTestId={secret.copyTestId} />
      <div>
        <button type="button" className="btn" onClick={onDismiss} data-testid={dismissTestId}>
          I have stored it
        </button>
      </div>
    </section>
  );
}
