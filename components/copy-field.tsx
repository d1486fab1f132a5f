'use client';

import { type ReactNode, useRef } from 'react';
import { useTransientState } from '@/lib/client/hooks/use-transient-state';

/**
 * Values people copy: a token or snippet (`CopyField`) and a long id (`CopyId`: truncated or wrapped, the whole
 * value on hover, a copy button), one copy behaviour for both.
 */

async function copyText(text: string, fallbackNode: HTMLElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Permission refused: fall through to the selection-based copy.
  }
  if (!fallbackNode) return false;
  const range = document.createRange();
  range.selectNodeContents(fallbackNode);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
  // execCommand is deprecated but is the only copy path on plain-http origins other than localhost.
  const ok = document.execCommand('copy');
  selection?.removeAllRanges();
  return ok;
}

type CopyStatus = 'idle' | 'copied' | 'failed';

function useCopy() {
  const [status, setStatus] = useTransientState<CopyStatus>('idle', 2500);
  const valueRef = useRef<HTMLElement | null>(null);
  const setValueNode = (node: HTMLElement | null) => {
    valueRef.current = node;
  };
  const copy = async (value: string) => setStatus((await copyText(value, valueRef.current)) ? 'copied' : 'failed');
  return { status, setValueNode, copy };
}

/**
 * A read-only value with a Copy button. `testId` names the value (`minted-token`), `copyTestId` the button
 * (`copy-token`). `multiline` renders a <pre> for code snippets.
 */
export function CopyField({
  value,
  label,
  testId,
  copyTestId,
  multiline = false,
}: {
  value: string;
  label: string;
  testId?: string;
  copyTestId?: string;
  multiline?: boolean;
}) {
  const { status, setValueNode, copy } = useCopy();
  return (
    <div className="copy-wrap">
      <div className="copy-field">
        <span className="sr-only">{label}:</span>
        {multiline ? (
          <pre ref={setValueNode} data-testid={testId}>
            {value}
          </pre>
        ) : (
          <code ref={setValueNode} data-testid={testId}>
            {value}
          </code>
        )}
        <button
          type="button"
          className="btn btn-small"
          data-testid={copyTestId}
          aria-label={`Copy ${label.toLowerCase()}`}
          onClick={() => copy(value)}
        >
          {status === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <div className="copy-status" role="status" aria-live="polite">
        {status === 'copied'
          ? 'Copied to the clipboard.'
          : status === 'failed'
            ? 'Copy failed: select the text and copy it.'
            : ''}
      </div>
    </div>
  );
}

/**
 * A long id inline: `truncate` cuts it with an ellipsis (tables), otherwise it wraps anywhere (page titles); the
 * whole value is its title, and the button copies it. `children` replaces the text (a link to the id's page).
 */
export function CopyId({
  value,
  label,
  truncate = false,
  testId,
  children,
}: {
  value: string;
  label: string;
  truncate?: boolean;
  testId?: string;
  children?: ReactNode;
}) {
  const { status, setValueNode, copy } = useCopy();
  return (
    <span className={truncate ? 'copy-id copy-id-truncate' : 'copy-id'} data-testid={testId}>
      <span ref={setValueNode} className="copy-id-value mono" title={value}>
        {children ?? value}
      </span>
      {/* The icon is drawn by CSS (app.css), so the id's text stays exactly the id. */}
      <button
        type="button"
        className="copy-id-button"
        aria-label={`Copy ${label.toLowerCase()}`}
        title={status === 'copied' ? 'Copied' : status === 'failed' ? 'Copy failed' : `Copy ${label.toLowerCase()}`}
        data-copy-status={status}
        onClick={() => copy(value)}
      />
      <span className="sr-only" role="status" aria-live="polite">
        {status === 'copied' ? `${label} copied.` : status === 'failed' ? 'Copy failed.' : ''}
      </span>
    </span>
  );
}
