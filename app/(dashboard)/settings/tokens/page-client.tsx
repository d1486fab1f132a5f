'use client';

import { useState } from 'react';
import { useTimeFormat } from '@/components/display-zone-provider';
import { FieldGroup, FormError, RadioChoices, TextField } from '@/components/form-fields';
import { useMintToken } from '@/lib/client/hooks/use-mint-token';
import { type ServerOrigin, useOrigin } from '@/lib/client/hooks/use-origin';
import { MAX_TOKEN_EXPIRES_IN, type MintedTokenResponse } from '@/lib/schemas/settings';
import { CopyField } from '@/components/copy-field';
import { formatSeconds } from '../settings-format';
import { PanelForm, SettingsPage } from '../settings-page';
import { backendSnippet, connectLine, type SnippetKind } from '@/lib/client/snippets';

const SNIPPETS: { value: SnippetKind; label: string }[] = [
  { value: 'api', label: 'POST /api/v1/tokens with an API key (no secret on your backend)' },
  { value: 'sign', label: 'Sign it yourself (generateAuthToken)' },
];

const LIFETIMES = [
  { label: '10 minutes', seconds: 600 },
  { label: '1 hour', seconds: 3600 },
  { label: '12 hours', seconds: 12 * 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
];

interface Minted extends MintedTokenResponse {
  identity: { user?: string; session?: string; conference?: string };
  expiresIn: number;
}

/** The token tool: mint an ingest token for an identity, then copy it, its connect line and a backend snippet. */
export function TokenToolPageClient() {
  const origin = useOrigin();
  // The WebSocket path is the form's, but the connect line follows it after minting too.
  const [path, setPath] = useState('my-app');
  const [minted, setMinted] = useState<Minted | null>(null);
  return (
    <SettingsPage
      titleId="token-title"
      title="Token tool"
      intro={
        <>
          Mint an ingest token for a test page or a support case. Production backends should mint their own (snippets
          below); every token minted here is recorded in the audit log.
        </>
      }
    >
      <MintForm path={path} onPath={setPath} onMinted={setMinted} />
      {minted ? <MintResult minted={minted} origin={origin} path={path} /> : null}
    </SettingsPage>
  );
}

function MintForm({
  path,
  onPath,
  onMinted,
}: {
  path: string;
  onPath: (path: string) => void;
  onMinted: (minted: Minted) => void;
}) {
  const mint = useMintToken();
  const [user, setUser] = useState('');
  const [session, setSession] = useState('');
  const [conference, setConference] = useState('');
  const [expiresIn, setExpiresIn] = useState('3600');

  const lifetime = Number(expiresIn);
  const lifetimeInvalid = !Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_TOKEN_EXPIRES_IN;

  function onSubmit() {
    if (lifetimeInvalid) return;
    const identity = {
      user: user.trim() || undefined,
      session: session.trim() || undefined,
      conference: conference.trim() || undefined,
    };
    mint.mutate(
      { ...identity, expiresIn: lifetime },
      { onSuccess: (data) => onMinted({ ...data, identity, expiresIn: lifetime }) },
    );
  }

  return (
    <PanelForm titleId="mint-title" title="Identity and lifetime" testId="mint-form" onSubmit={onSubmit}>
      <div className="form-row">
        <TextField label="User" value={user} onValue={setUser} maxLength={256} data-testid="token-user" />
        <TextField label="Session" value={session} onValue={setSession} maxLength={256} data-testid="token-session" />
        <TextField
          label="Conference"
          value={conference}
          onValue={setConference}
          maxLength={256}
          data-testid="token-conference"
        />
      </div>
      <div className="form-row">
        <TextField
          label="Lifetime (seconds)"
          hint={lifetimeInvalid ? 'From 1 second to 30 days.' : formatSeconds(lifetime)}
          hintId="lifetime-hint"
          type="number"
          min={1}
          max={MAX_TOKEN_EXPIRES_IN}
          step={1}
          value={expiresIn}
          onValue={setExpiresIn}
          aria-invalid={lifetimeInvalid}
          data-testid="token-lifetime"
          list="lifetime-presets"
        />
        <datalist id="lifetime-presets">
          {LIFETIMES.map((l) => (
            <option key={l.seconds} value={l.seconds} label={l.label} />
          ))}
        </datalist>
        <TextField
          label="WebSocket path"
          hint="Any path works; it is stored with the session."
          value={path}
          onValue={onPath}
          maxLength={200}
          data-testid="token-path"
        />
        <button
          type="submit"
          className="btn btn-primary"
          disabled={mint.isPending || lifetimeInvalid}
          data-testid="mint-token"
        >
          {mint.isPending ? <span className="spinner spinner-small" aria-hidden="true" /> : null}
          Mint token
        </button>
      </div>
      <FormError error={mint.error} testId="mint-error" />
    </PanelForm>
  );
}

/** The minted token with its expiry, the page's trace.connect line and a snippet for the backend to mint its own. */
function MintResult({ minted, origin, path }: { minted: Minted; origin: ServerOrigin; path: string }) {
  const { formatDateTime } = useTimeFormat();
  const [kind, setKind] = useState<SnippetKind>('api');
  return (
    <div className="panel form" data-testid="mint-result" aria-live="polite">
      <h2 className="panel-title">Token</h2>
      <p className="small muted">
        Expires {formatDateTime(minted.expiresAt)} ({formatSeconds(minted.expiresIn)}) · signed with{' '}
        {minted.kid ? <span className="kid">{minted.kid}</span> : 'the CALLSCOPE_JWT_SECRET key (no kid)'}
      </p>
      <CopyField value={minted.token} label="Token" testId="minted-token" copyTestId="copy-token" />

      <h3>In the page (rtcstats-js)</h3>
      <CopyField
        value={connectLine(origin, path, minted.token)}
        label="trace.connect line"
        testId="connect-line"
        copyTestId="copy-connect"
        multiline
      />

      <h3>On your backend (Node)</h3>
      <FieldGroup legend="Snippet">
        <RadioChoices name="snippet" value={kind} options={SNIPPETS} onChoose={setKind} />
      </FieldGroup>
      <CopyField
        value={backendSnippet(kind, origin, { ...minted.identity, expiresIn: minted.expiresIn, kid: minted.kid })}
        label="Backend snippet"
        testId="backend-snippet"
        copyTestId="copy-snippet"
        multiline
      />
    </div>
  );
}
