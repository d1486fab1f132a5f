'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { type FormEvent, useState } from 'react';
import { Field, FormError } from '@/components/form-fields';

function signInError(code: string | null | undefined): string {
  if (!code) return 'Sign-in failed. Try again.';
  if (code === 'CredentialsSignin') return 'Wrong email or password.';
  if (/too many/i.test(code)) return code;
  if (code === 'AccessDenied')
    return 'This account may not sign in: no Callscope staff account has its email, or it is disabled.';
  if (code === 'OAuthSignin' || code === 'OAuthCallback')
    return 'Single sign-on failed. Try again or ask an administrator.';
  return `Sign-in failed: ${code}`;
}

export function LoginForm({
  callbackUrl,
  needsSetup,
  sso,
  initialError,
}: {
  callbackUrl: string;
  needsSetup: boolean;
  /** The single sign-on provider's name when OIDC is configured. */
  sso: string | null;
  initialError: string | null;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(initialError ? signInError(initialError) : null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    try {
      const res = await signIn('credentials', {
        redirect: false,
        email: String(form.get('email') ?? ''),
        password: String(form.get('password') ?? ''),
      });
      if (res?.ok && !res.error) {
        router.replace(callbackUrl);
        router.refresh();
        return;
      }
      setError(signInError(res?.error));
    } catch {
      setError('Could not reach the server. Try again.');
    }
    setPending(false);
  }

  return (
    <>
      <h1>Sign in</h1>
      {needsSetup ? (
        <p className="notice" data-testid="setup-hint">
          No staff account exists yet. <Link href="/setup">Create the first administrator</Link>.
        </p>
      ) : null}
      <form onSubmit={onSubmit} className="form" aria-describedby={error ? 'login-error' : undefined}>
        <Field label="Email">
          <input name="email" type="email" autoComplete="username" required />
        </Field>
        <Field label="Password">
          <input name="password" type="password" autoComplete="current-password" required />
        </Field>
        <FormError error={error} id="login-error" testId="login-error" />
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {sso ? (
        <div className="form sso">
          <p className="muted small">or</p>
          <button
            type="button"
            className="btn"
            data-testid="sso-sign-in"
            disabled={pending}
            onClick={() => {
              setPending(true);
              void signIn('oidc', { callbackUrl });
            }}
          >
            Sign in with {sso}
          </button>
        </div>
      ) : null}
    </>
  );
}
