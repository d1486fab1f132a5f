'use client';

import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { type FormEvent, useState } from 'react';
import { Field, FormError } from '@/components/form-fields';
import { ApiClientError, apiPost } from '@/lib/client/api-client';

export function SetupForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get('email') ?? '');
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      setError('The passwords do not match.');
      return;
    }
    setPending(true);
    setError(null);
    try {
      await apiPost('/api/setup', { email, password, name: String(form.get('name') ?? '') || undefined });
      const res = await signIn('credentials', { redirect: false, email, password });
      router.replace(res?.ok ? '/' : '/login');
      router.refresh();
    } catch (err) {
      setError(
        err instanceof ApiClientError && err.status === 409
          ? 'Setup was already completed. Sign in instead.'
          : err instanceof Error
            ? err.message
            : 'Setup failed.',
      );
      setPending(false);
    }
  }

  return (
    <>
      <h1>Create the first administrator</h1>
      <p className="muted small">This page works only once, while no staff account exists.</p>
      <form onSubmit={onSubmit} className="form">
        <Field label="Name">
          <input name="name" autoComplete="name" />
        </Field>
        <Field label="Email">
          <input name="email" type="email" autoComplete="username" required />
        </Field>
        <Field label="Password (at least 10 characters)">
          <input name="password" type="password" autoComplete="new-password" minLength={10} required />
        </Field>
        <Field label="Repeat password">
          <input name="confirm" type="password" autoComplete="new-password" minLength={10} required />
        </Field>
        <FormError error={error} testId="setup-error" />
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Creating…' : 'Create administrator'}
        </button>
      </form>
    </>
  );
}
