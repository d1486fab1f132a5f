'use client';

import { type FormEvent, useEffect, useState } from 'react';
import { errorMessage } from '@/components/data-state';
import { useMintToken } from '@/lib/client/hooks/use-mint-token';
import { MAX_TOKEN_EXPIRES_IN, type MintedTokenResponse } from '@/lib/schemas/settings';
import { CopyField } from '../copy-field';
import { formatSeconds } from '../settings-format';
import { backendSnippet, connectLine, type SnippetKind } from './snippets';
import { useTimeFormat } from '@/components/display-zone-provider';

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

/** The origin this dashboard is served from, for the WebSocket and API URLs in the snippets. */
function useOrigin(): { host: string; secure: boolean } {
  const [origin, setOrigin] = useState({ host: 'callscope.example.com', secure: true });
  useEffect(() => {
    setOrigin({ host: window.location.host, secure: window.location.protocol === 'https:' });
  }, []);
  return origin;
}

export function TokenToolPageClient() {
  const { formatDateTime } = useTimeFormat();
  const mint = useMintToken();
  const origin = useOrigin();
  const [user, setUser] = useState('');
  const [session, setSession] = useState('');
  const [conference, setConference] = useState('');
  const [expiresIn, setExpiresIn] = useState('3600');
  const [path, setPath] = useState('my-app');
  const [kind, setKind] = useState<SnippetKind>('api');
  const [minted, setMinted] = useState<Minted | null>(null);

  const lifetime = Number(expiresIn);
  const lifetimeInvalid = !Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_TOKEN_EXPIRES_IN;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (lifetimeInvalid) return;
    const identity = {
      user: user.trim() || undefined,
      session: session.trim() || undefined,
      conference: conference.trim() || undefined,
    };
    mint.mutate(
      { ...identity, expiresIn: lifetime },
      { onSuccess: (data) => setMinted({ ...data, identity, expiresIn: lifetime }) },
    );
  }

  return (
    <section className="page" aria-labelledby="token-title">
      <div className="page-head">
        <h1 id="token-title">Token tool</h1>
        <p className="muted">
          Mint an ingest token for a test page or a support case. Production backends should mint their own (snippets
          below); every token minted here is recorded in the audit log.
        </p>
      </div>

      <form className="panel form" onSubmit={onSubmit} aria-labelledby="mint-title" data-testid="mint-form">
        <h2 id="mint-title" className="panel-title">
          Identity and lifetime
        </h2>
        <div className="form-row">
          <label className="field">
            User
            <input value={user} onChange={(e) => setUser(e.target.value)} maxLength={256} data-testid="token-user" />
          </label>
          <label className="field">
            Session
            <input
              value={session}
              onChange={(e) => setSession(e.target.value)}
              maxLength={256}
              data-testid="token-session"
            />
          </label>
          <label className="field">
            Conference
            <input
              value={conference}
              onChange={(e) => setConference(e.target.value)}
              maxLength={256}
              data-testid="token-conference"
            />
          </label>
        </div>
        <div className="form-row">
          <label className="field">
            Lifetime (seconds)
            <input
              type="number"
              min={1}
              max={MAX_TOKEN_EXPIRES_IN}
              step={1}
              value={expiresIn}
              onChange={(e) => setExpiresIn(e.target.value)}
              aria-invalid={lifetimeInvalid}
              aria-describedby="lifetime-hint"
              data-testid="token-lifetime"
              list="lifetime-presets"
            />
            <span id="lifetime-hint" className="field-hint">
              {lifetimeInvalid ? 'From 1 second to 30 days.' : formatSeconds(lifetime)}
            </span>
          </label>
          <datalist id="lifetime-presets">
            {LIFETIMES.map((l) => (
              <option key={l.seconds} value={l.seconds} label={l.label} />
            ))}
          </datalist>
          <label className="field">
            WebSocket path
            <input value={path} onChange={(e) => setPath(e.target.value)} maxLength={200} data-testid="token-path" />
            <span className="field-hint">Any path works; it is stored with the session.</span>
          </label>
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
        {mint.error ? (
          <p className="form-error" role="alert" data-testid="mint-error">
            {errorMessage(mint.error)}
          </p>
        ) : null}
      </form>

      {minted ? (
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
          <fieldset className="form-row" style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="sr-only">Snippet</legend>
            <label className="field-check">
              <input type="radio" name="snippet" checked={kind === 'api'} onChange={() => setKind('api')} />
              POST /api/v1/tokens with an API key (no secret on your backend)
            </label>
            <label className="field-check">
              <input type="radio" name="snippet" checked={kind === 'sign'} onChange={() => setKind('sign')} />
              Sign it yourself (generateAuthToken)
            </label>
          </fieldset>
          <CopyField
            value={backendSnippet(kind, origin, { ...minted.identity, expiresIn: minted.expiresIn, kid: minted.kid })}
            label="Backend snippet"
            testId="backend-snippet"
            copyTestId="copy-snippet"
            multiline
          />
        </div>
      ) : null}
    </section>
  );
}
