'use client';

import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { CopyField } from '@/components/copy-field';
import { DataState } from '@/components/data-state';
import { useTimeFormat } from '@/components/display-zone-provider';
import { FieldGroup, FormError, RadioChoices } from '@/components/form-fields';
import { Panel } from '@/components/panel';
import { useMintTestToken } from '@/lib/client/hooks/use-connect';
import { useOrigin } from '@/lib/client/hooks/use-origin';
import { jitsiSnippet, rtcstatsJsSnippet } from '@/lib/client/snippets';
import { ArrivalIndicator } from './arrival-indicator';
import { RejectedAttempts } from './rejected-attempts';

type Client = 'rtcstats-js' | 'jitsi';

const CLIENTS: { value: Client; label: string }[] = [
  { value: 'rtcstats-js', label: 'rtcstats-js (rtcstats#5.0)' },
  { value: 'jitsi', label: '@jitsi/rtcstats (3.1_STANDARD)' },
];

/** Where the test client's sessions land: a path and room named for this page, easy to find in search. */
const TEST_PATH = 'connect-test';

/**
 * The first hour with Callscope: paste a snippet (this server's URL and a test token minted for this visit), watch
 * for the first session to arrive, and when it does not, read why its attempts were refused.
 */
export function ConnectPageClient() {
  return (
    <section className="page" aria-labelledby="connect-title">
      <div className="page-head">
        <h1 id="connect-title">Connect your app</h1>
        <p className="muted">
          Add one of these snippets to a test page, open it, and start a call. This page shows the first session as soon
          as it arrives, and every refused connection attempt with the reason the client was given.
        </p>
      </div>
      <div className="grid-2">
        <div>
          <ArrivalIndicator />
          <SnippetPanel />
        </div>
        <RejectedAttempts />
      </div>
    </section>
  );
}

/** The snippet for the chosen client with a token minted when the page opened (and again on demand). */
function SnippetPanel() {
  const origin = useOrigin();
  const mint = useMintTestToken();
  const [client, setClient] = useState<Client>('rtcstats-js');
  // One token per visit (React may run effects twice in development: minting is audited, so only once).
  const minted = useRef(false);
  const { mutate } = mint;
  useEffect(() => {
    if (minted.current) return;
    minted.current = true;
    mutate();
  }, [mutate]);
  const { formatDateTime } = useTimeFormat();
  const data = mint.data;

  return (
    <Panel title="Snippet" titleId="snippet-title" testId="snippet-panel">
      <FieldGroup legend="Client library">
        <RadioChoices name="client" value={client} options={CLIENTS} onChoose={setClient} />
      </FieldGroup>
      <DataState
        testId="test-token-state"
        isLoading={mint.isPending || mint.isIdle}
        error={mint.error}
        onRetry={() => mint.mutate()}
        loadingLabel="Minting a test token…"
      >
        {data ? (
          <>
            <CopyField
              value={
                client === 'jitsi'
                  ? jitsiSnippet(origin, data.conference, data.user, data.token)
                  : rtcstatsJsSnippet(origin, TEST_PATH, data.token)
              }
              label="Snippet"
              testId="connect-snippet"
              copyTestId="copy-connect-snippet"
              multiline
            />
            {data.token ? (
              <>
                <CopyField value={data.token} label="Test token" testId="test-token" copyTestId="copy-test-token" />
                <p className="small muted" data-testid="test-token-meta">
                  Test token for user <span className="mono">{data.user}</span> in conference{' '}
                  <span className="mono">{data.conference}</span>, expires {formatDateTime(data.expiresAt)}. Minted for
                  this visit and recorded in the audit log; production backends mint their own (
                  {/* Settings are for admins; engineers see the link and get the 403 page that explains. */}
                  <Link href="/settings/tokens">token tool and backend snippets</Link>).{' '}
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => mint.mutate()}
                    disabled={mint.isPending}
                    data-testid="mint-test-token"
                  >
                    Mint another
                  </button>
                </p>
              </>
            ) : (
              <p className="banner banner-info" data-testid="auth-off">
                No signing key is configured, so every client is accepted and the snippet needs no token. Set
                CALLSCOPE_JWT_SECRET or create a key in settings before production.
              </p>
            )}
          </>
        ) : null}
      </DataState>
      <FormError error={data ? mint.error : null} />
    </Panel>
  );
}
