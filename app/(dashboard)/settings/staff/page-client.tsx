'use client';

import { useState } from 'react';
import { useTimeFormat } from '@/components/display-zone-provider';
import { Field, FormError, TextField } from '@/components/form-fields';
import { useStaff } from '@/components/layout/staff-context';
import { useCreateStaff, useStaffAccounts, useUpdateStaff } from '@/lib/client/hooks/use-staff-accounts';
import type { StaffAccountDto } from '@/lib/schemas/settings';
import type { Role } from '@/lib/shared/roles';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { RoleSelect } from '../role-select';
import { PanelForm, SettingsPage } from '../settings-page';
import { ACTIONS_COLUMN, RowButton, SettingsTable, StateBadge } from '../settings-table';

type Pending =
  | { kind: 'disable'; account: StaffAccountDto }
  | { kind: 'role'; account: StaffAccountDto; role: Role }
  | { kind: 'password'; account: StaffAccountDto };

const COLUMNS = ['Email', 'Name', 'Role', 'Status', 'Last sign-in', 'Created', ACTIONS_COLUMN];

/** Staff accounts: the list with role, enable / disable and password reset (each confirmed), and a new account. */
export function StaffPageClient() {
  const query = useStaffAccounts();
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const accounts = query.data?.staff ?? [];

  return (
    <SettingsPage
      titleId="staff-title"
      title="Staff accounts"
      intro={
        <>
          Support reads calls, engineers also download raw dumps and upload, admins manage settings. Changes apply on
          the account&apos;s next request; disabled accounts are signed out.
        </>
      }
    >
      <p className="notice" role="status" aria-live="polite" hidden={!notice} data-testid="staff-notice">
        {notice}
      </p>
      <SettingsTable
        query={query}
        stateTestId="staff-state"
        isEmpty={accounts.length === 0}
        testId="staff-table"
        caption="Staff accounts"
        columns={COLUMNS}
      >
        {accounts.map((a) => (
          <StaffRow key={a.id} account={a} onAction={setPending} />
        ))}
      </SettingsTable>
      <CreateStaffForm
        onCreated={(email) => setNotice(`${email} created. Give them their password over a safe channel.`)}
      />
      <StaffChangeDialog pending={pending} onDone={setNotice} onClose={() => setPending(null)} />
    </SettingsPage>
  );
}

/** One account; its changes go through `onAction` to the confirmation. An admin cannot demote or disable themself. */
function StaffRow({ account: a, onAction }: { account: StaffAccountDto; onAction: (pending: Pending) => void }) {
  const { formatDateTime } = useTimeFormat();
  const me = useStaff();
  const self = a.id === me?.id;
  return (
    <tr data-testid="staff-row" data-email={a.email} className={a.disabled ? 'row-muted' : undefined}>
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
          onRoleChange={(role) => onAction({ kind: 'role', account: a, role })}
        />
      </td>
      <td>
        <StateBadge state={a.disabled ? 'disabled' : 'active'} text={a.disabled ? 'disabled' : 'enabled'} />
      </td>
      <td className="nowrap">{formatDateTime(a.lastLoginAt)}</td>
      <td className="nowrap">{formatDateTime(a.createdAt)}</td>
      <td>
        <div className="actions">
          <RowButton
            testId="reset-password"
            ariaLabel={`Reset the password of ${a.email}`}
            onClick={() => onAction({ kind: 'password', account: a })}
          >
            Reset password
          </RowButton>
          <RowButton
            testId="toggle-disabled"
            disabled={self}
            ariaLabel={`${a.disabled ? 'Enable' : 'Disable'} ${a.email}`}
            onClick={() => onAction({ kind: 'disable', account: a })}
          >
            {a.disabled ? 'Enable' : 'Disable'}
          </RowButton>
        </div>
      </td>
    </tr>
  );
}

/** The dialog's words for each change, and the notice once it is done. */
function changeText(p: Pending): { title: string; confirmLabel: string; destructive: boolean; done: string } {
  const { email, disabled } = p.account;
  if (p.kind === 'disable') {
    return {
      title: `${disabled ? 'Enable' : 'Disable'} ${email}?`,
      confirmLabel: disabled ? 'Enable' : 'Disable',
      destructive: !disabled,
      done: `${email} ${disabled ? 'enabled' : 'disabled'}.`,
    };
  }
  if (p.kind === 'role') {
    return {
      title: `Make ${email} ${p.role}?`,
      confirmLabel: 'Change role',
      destructive: false,
      done: `${email} is now ${p.role}.`,
    };
  }
  return {
    title: `Reset the password of ${email}?`,
    confirmLabel: 'Reset password',
    destructive: false,
    done: `Password of ${email} reset. Give it to them over a safe channel.`,
  };
}

/** Confirms the pending change (open while there is one) and applies it; `onDone` gets the notice to show. */
function StaffChangeDialog({
  pending,
  onDone,
  onClose,
}: {
  pending: Pending | null;
  onDone: (notice: string) => void;
  onClose: () => void;
}) {
  const update = useUpdateStaff();
  const [password, setPassword] = useState('');
  const text = pending ? changeText(pending) : null;

  function close() {
    setPassword('');
    update.reset();
    onClose();
  }

  function confirm() {
    if (!pending || !text) return;
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
          onDone(text.done);
          close();
        },
      },
    );
  }

  return (
    <ConfirmDialog
      open={pending !== null}
      title={text?.title ?? ''}
      confirmLabel={text?.confirmLabel}
      destructive={text?.destructive}
      busy={update.isPending}
      confirmDisabled={pending?.kind === 'password' && password.length < 10}
      error={update.error}
      onConfirm={confirm}
      onCancel={close}
    >
      {pending?.kind === 'disable' && !pending.account.disabled ? (
        <p>They are signed out at their next request and cannot sign in until enabled again.</p>
      ) : null}
      {pending?.kind === 'password' ? (
        <TextField
          label="New password (at least 10 characters)"
          type="password"
          autoComplete="new-password"
          minLength={10}
          maxLength={200}
          value={password}
          onValue={setPassword}
          data-testid="new-password"
        />
      ) : null}
    </ConfirmDialog>
  );
}

function CreateStaffForm({ onCreated }: { onCreated: (email: string) => void }) {
  const create = useCreateStaff();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('support');
  const [password, setPassword] = useState('');

  function onSubmit() {
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
    <PanelForm titleId="new-staff-title" title="New account" testId="create-staff-form" onSubmit={onSubmit}>
      <div className="form-row">
        <TextField label="Email" type="email" required value={email} onValue={setEmail} data-testid="staff-email" />
        <TextField label="Name" value={name} maxLength={100} onValue={setName} data-testid="staff-name" />
        <Field label="Role">
          <RoleSelect value={role} onRoleChange={setRole} data-testid="staff-new-role" />
        </Field>
        <TextField
          label="Initial password"
          type="password"
          required
          minLength={10}
          maxLength={200}
          autoComplete="new-password"
          value={password}
          onValue={setPassword}
          data-testid="staff-password"
        />
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="create-staff">
          Create account
        </button>
      </div>
      <FormError error={create.error} />
    </PanelForm>
  );
}
