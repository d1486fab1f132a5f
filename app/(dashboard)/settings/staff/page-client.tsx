'use client';

import { type FormEvent, useState } from 'react';
import { DataState, errorMessage } from '@/components/data-state';
import { useStaff } from '@/components/layout/staff-context';
import { useCreateStaff, useStaffAccounts, useUpdateStaff } from '@/lib/client/hooks/use-staff-accounts';
import type { StaffAccountDto } from '@/lib/schemas/settings';
import type { Role } from '@/lib/shared/roles';
import { ConfirmDialog } from '../confirm-dialog';
import { RoleSelect } from '../role-select';
import { useTimeFormat } from '@/components/display-zone-provider';

type Pending =
  | { kind: 'disable'; account: StaffAccountDto }
  | { kind: 'role'; account: StaffAccountDto; role: Role }
  | { kind: 'password'; account: StaffAccountDto }
  | null;

export function StaffPageClient() {
  const { formatDateTime } = useTimeFormat();
  const me = useStaff();
  const query = useStaffAccounts();
  const update = useUpdateStaff();
  const [pending, setPending] = useState<Pending>(null);
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const accounts = query.data?.staff ?? [];

  function close() {
    setPending(null);
    setPassword('');
    update.reset();
  }

  function confirm() {
    if (!pending) return;
    const { account } = pending;
    const patch =
      pending.kind === 'disable'
        ? { disabled: !account.disabled }
        : pending.kind === 'role'
          ? { role: pending.role }
          : { password };
    update.mutate(
      { id: account.id, ...patch },
      {
        onSuccess: () => {
          setNotice(
            pending.kind === 'disable'
              ? `${account.email} ${account.disabled ? 'enabled' : 'disabled'}.`
              : pending.kind === 'role'
                ? `${account.email} is now ${pending.role}.`
                : `Password of ${account.email} reset. Give it to them over a safe channel.`,
          );
          close();
        },
      },
    );
  }

  return (
    <section className="page" aria-labelledby="staff-title">
      <div className="page-head">
        <h1 id="staff-title">Staff accounts</h1>
        <p className="muted">
          Support reads calls, engineers also download raw dumps and upload, admins manage settings. Changes apply on
          the account&apos;s next request; disabled accounts are signed out.
        </p>
      </div>
      <p className="notice" role="status" aria-live="polite" hidden={!notice} data-testid="staff-notice">
        {notice}
      </p>

      <div className="panel">
        <DataState
          testId="staff-state"
          isLoading={query.isPending}
          error={query.error}
          onRetry={() => query.refetch()}
          isEmpty={accounts.length === 0}
        >
          <div className="table-wrap">
            <table className="table" data-testid="staff-table">
              <caption className="sr-only">Staff accounts</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {accounts.map((a) => {
                  const self = a.id === me?.id;
                  return (
                    <tr
                      key={a.id}
                      data-testid="staff-row"
                      data-email={a.email}
                      className={a.disabled ? 'row-muted' : undefined}
                    >
                      <td>
                        {a.email} {self ? <span className="badge">you</span> : null}
                      </td>
                      <td>{a.name ?? '—'}</td>
                      <td>
                        <RoleSelect
                          aria-label={`Role of ${a.email}`}
                          value={a.role}
                          disabled={self}
                          title={self ? 'Another admin must change your role' : undefined}
                          data-testid="staff-role"
                          onRoleChange={(next) => {
                            update.reset();
                            setPending({ kind: 'role', account: a, role: next });
                          }}
                        />
                      </td>
                      <td>
                        <span className={`badge state-badge ${a.disabled ? 'state-disabled' : 'state-active'}`}>
                          {a.disabled ? 'disabled' : 'enabled'}
                        </span>
                      </td>
                      <td className="nowrap">{formatDateTime(a.lastLoginAt)}</td>
                      <td className="nowrap">{formatDateTime(a.createdAt)}</td>
                      <td>
                        <div className="actions">
                          <button
                            type="button"
                            className="btn btn-small"
                            data-testid="reset-password"
                            aria-label={`Reset the password of ${a.email}`}
                            onClick={() => {
                              update.reset();
                              setPassword('');
                              setPending({ kind: 'password', account: a });
                            }}
                          >
                            Reset password
                          </button>
                          <button
                            type="button"
                            className="btn btn-small"
                            data-testid="toggle-disabled"
                            disabled={self}
                            aria-label={`${a.disabled ? 'Enable' : 'Disable'} ${a.email}`}
                            onClick={() => {
                              update.reset();
                              setPending({ kind: 'disable', account: a });
                            }}
                          >
                            {a.disabled ? 'Enable' : 'Disable'}
                          </button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </DataState>
      </div>

      <CreateStaffForm
        onCreated={(email) => setNotice(`${email} created. Give them their password over a safe channel.`)}
      />

      <ConfirmDialog
        open={pending !== null}
        title={
          pending?.kind === 'disable'
            ? `${pending.account.disabled ? 'Enable' : 'Disable'} ${pending.account.email}?`
            : pending?.kind === 'role'
              ? `Make ${pending.account.email} ${pending.role}?`
              : `Reset the password of ${pending?.account.email ?? ''}?`
        }
        confirmLabel={
          pending?.kind === 'disable'
            ? pending.account.disabled
              ? 'Enable'
              : 'Disable'
            : pending?.kind === 'role'
              ? 'Change role'
              : 'Reset password'
        }
        destructive={pending?.kind === 'disable' && !pending.account.disabled}
        busy={update.isPending}
        confirmDisabled={pending?.kind === 'password' && password.length < 10}
        error={update.error ? errorMessage(update.error) : null}
        onConfirm={confirm}
        onCancel={close}
      >
        {pending?.kind === 'disable' && !pending.account.disabled ? (
          <p>They are signed out at their next request and cannot sign in until enabled again.</p>
        ) : null}
        {pending?.kind === 'password' ? (
          <label className="field">
            New password (at least 10 characters)
            <input
              type="password"
              autoComplete="new-password"
              minLength={10}
              maxLength={200}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="new-password"
            />
          </label>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}

function CreateStaffForm({ onCreated }: { onCreated: (email: string) => void }) {
  const create = useCreateStaff();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('support');
  const [password, setPassword] = useState('');

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate(
      { email: email.trim(), name: name.trim() || undefined, role, password },
      {
        onSuccess: (data) => {
          onCreated(data.staff.email);
          setEmail('');
          setName('');
          setPassword('');
          setRole('support');
        },
      },
    );
  }

  return (
    <form className="panel form" onSubmit={onSubmit} aria-labelledby="new-staff-title" data-testid="create-staff-form">
      <h2 id="new-staff-title" className="panel-title">
        New account
      </h2>
      <div className="form-row">
        <label className="field">
          Email
          <input
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="staff-email"
          />
        </label>
        <label className="field">
          Name
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="staff-name" />
        </label>
        <label className="field">
          Role
          <RoleSelect value={role} onRoleChange={setRole} data-testid="staff-new-role" />
        </label>
        <label className="field">
          Initial password
          <input
            type="password"
            required
            minLength={10}
            maxLength={200}
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="staff-password"
          />
        </label>
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="create-staff">
          Create account
        </button>
      </div>
      {create.error ? (
        <p className="form-error" role="alert">
          {errorMessage(create.error)}
        </p>
      ) : null}
    </form>
  );
}
