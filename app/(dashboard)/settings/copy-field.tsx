'use client';

import { useRef } from 'react';
import { useTransientState } from '@/lib/client/hooks/use-transient-state';

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
  const [status, setStatus] = useTransientState<'idle' | 'copied' | 'failed'>('idle', 2500);
  const valueRef = useRef<HTMLElement | null>(null);
  const setValueNode = (node: HTMLElement | null) => {
    valueRef.current = node;
  };
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
          onClick={async () => setStatus((await copyText(value, valueRef.current)) ? 'copied' : 'failed')}
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
