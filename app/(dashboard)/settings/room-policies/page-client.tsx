'use client';

import { useState } from 'react';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useTimeFormat } from '@/components/display-zone-provider';
import { CheckField, FormError, TextField } from '@/components/form-fields';
import {
  useCreateRoomPolicy,
  useDeleteRoomPolicy,
  useRoomPolicies,
  useUpdateRoomPolicy,
} from '@/lib/client/hooks/use-room-policies';
import { type RoomPolicyDto, roomPolicyInput } from '@/lib/schemas/room-policies';
import { PanelForm, SettingsPage } from '../settings-page';
import { ACTIONS_COLUMN, RowButton, SettingsTable } from '../settings-table';

const COLUMNS = ['Conference', 'Max participants', 'Max duration', 'Screen sharing', 'Updated', ACTIONS_COLUMN];

interface Draft {
  conference: string;
  maxParticipants: string;
  maxDurationMinutes: string;
  restrictScreenShare: boolean;
  screenShareUsers: string;
}

const EMPTY: Draft = {
  conference: '',
  maxParticipants: '',
  maxDurationMinutes: '',
  restrictScreenShare: false,
  screenShareUsers: '',
};

function toDraft(p: RoomPolicyDto): Draft {
  return {
    conference: p.conference,
    maxParticipants: p.maxParticipants === null ? '' : String(p.maxParticipants),
    maxDurationMinutes: p.maxDurationMinutes === null ? '' : String(p.maxDurationMinutes),
    restrictScreenShare: p.screenShareUsers !== null,
    screenShareUsers: (p.screenShareUsers ?? []).join(', '),
  };
}

/** The form's text as the API's input: blank numbers are no rule, the user ids a comma- or space-separated list. */
function fromDraft(d: Draft) {
  const number = (s: string) => (s.trim() === '' ? null : Number(s));
  return {
    conference: d.conference,
    maxParticipants: number(d.maxParticipants),
    maxDurationMinutes: number(d.maxDurationMinutes),
    screenShareUsers: d.restrictScreenShare ? d.screenShareUsers.split(/[\s,]+/).filter(Boolean) : null,
  };
}

/** Room policies: the list, one form to add or edit a policy, delete behind a confirmation. */
export function RoomPoliciesPageClient() {
  const query = useRoomPolicies();
  const [editing, setEditing] = useState<RoomPolicyDto | null>(null);
  const [deleting, setDeleting] = useState<RoomPolicyDto | null>(null);
  const policies = query.data?.policies ?? [];

  return (
    <SettingsPage
      titleId="room-policies-title"
      title="Room policies"
      intro={
        <>
          Rules per conference (an exact id, or a prefix ending in <code>*</code>; the most specific applies). A broken
          rule adds a <code>policyViolation</code> event to the conference&apos;s timeline and sends it to the webhooks,
          naming the connections to disconnect. Callscope itself disconnects no one.
        </>
      }
    >
      <RoomPolicyForm key={editing?.id ?? 'new'} editing={editing} onDone={() => setEditing(null)} />
      <SettingsTable
        query={query}
        stateTestId="room-policies-state"
        isEmpty={policies.length === 0}
        empty={<span data-testid="room-policies-empty">No room policies yet.</span>}
        testId="room-policies-table"
        caption="Room policies, by conference"
        columns={COLUMNS}
      >
        {policies.map((p) => (
          <PolicyRow key={p.id} policy={p} onEdit={() => setEditing(p)} onDelete={() => setDeleting(p)} />
        ))}
      </SettingsTable>
      <DeletePolicyDialog target={deleting} onClose={() => setDeleting(null)} />
    </SettingsPage>
  );
}

function RoomPolicyForm({ editing, onDone }: { editing: RoomPolicyDto | null; onDone: () => void }) {
  const create = useCreateRoomPolicy();
  const update = useUpdateRoomPolicy();
  const [draft, setDraft] = useState<Draft>(() => (editing ? toDraft(editing) : EMPTY));
  const [clientError, setClientError] = useState<string | null>(null);
  const mutation = editing ? update : create;
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  function onSubmit() {
    const parsed = roomPolicyInput.safeParse(fromDraft(draft));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      setClientError(issue ? `${issue.path.join('.') || 'policy'}: ${issue.message}` : 'invalid policy');
      return;
    }
    setClientError(null);
    const done = {
      onSuccess: () => {
        setDraft(EMPTY);
        onDone();
      },
    };
    if (editing) update.mutate({ id: editing.id, ...parsed.data }, done);
    else create.mutate(parsed.data, done);
  }

  return (
    <PanelForm
      titleId="room-policy-form-title"
      title={editing ? `Edit the policy for ${editing.conference}` : 'New room policy'}
      testId="room-policy-form"
      noValidate
      onSubmit={onSubmit}
    >
      <div className="form-row">
        <TextField
          label="Conference id or prefix*"
          required
          maxLength={256}
          value={draft.conference}
          placeholder="e.g. lesson-*"
          onValue={(conference) => set({ conference })}
          data-testid="room-policy-conference"
        />
        <TextField
          label="Max participants"
          type="number"
          min={1}
          step={1}
          value={draft.maxParticipants}
          placeholder="no limit"
          onValue={(maxParticipants) => set({ maxParticipants })}
          data-testid="room-policy-max-participants"
        />
        <TextField
          label="Max duration (minutes, once 2 are present)"
          type="number"
          min={0}
          step="any"
          value={draft.maxDurationMinutes}
          placeholder="no limit"
          onValue={(maxDurationMinutes) => set({ maxDurationMinutes })}
          data-testid="room-policy-max-duration"
        />
      </div>
      <div className="form-row">
        <CheckField
          label="Only these users may share a screen"
          checked={draft.restrictScreenShare}
          onCheckedChange={(restrictScreenShare) => set({ restrictScreenShare })}
          data-testid="room-policy-restrict-screen"
        />
        <TextField
          label="User ids (comma-separated; empty: nobody)"
          maxLength={20_000}
          disabled={!draft.restrictScreenShare}
          value={draft.screenShareUsers}
          placeholder="e.g. teacher-1, teacher-2"
          onValue={(screenShareUsers) => set({ screenShareUsers })}
          data-testid="room-policy-screen-users"
        />
      </div>
      <div className="form-row">
        <button type="submit" className="btn btn-primary" disabled={mutation.isPending} data-testid="save-room-policy">
          {editing ? 'Save policy' : 'Add policy'}
        </button>
        {editing ? (
          <button type="button" className="btn" onClick={onDone} data-testid="cancel-room-policy">
            Cancel
          </button>
        ) : null}
      </div>
      <FormError error={clientError ?? mutation.error} testId="room-policy-error" />
    </PanelForm>
  );
}

function PolicyRow({
  policy: p,
  onEdit,
  onDelete,
}: {
  policy: RoomPolicyDto;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { formatDateTime } = useTimeFormat();
  return (
    <tr data-testid="room-policy-row" data-conference={p.conference}>
      <td className="kid">{p.conference}</td>
      <td>{p.maxParticipants ?? '—'}</td>
      <td>{p.maxDurationMinutes === null ? '—' : `${p.maxDurationMinutes} min`}</td>
      <td>
        {p.screenShareUsers === null
          ? 'anyone'
          : p.screenShareUsers.length === 0
            ? 'nobody'
            : `only ${p.screenShareUsers.join(', ')}`}
      </td>
      <td className="nowrap">{formatDateTime(p.updatedAt)}</td>
      <td>
        <div className="actions">
          <RowButton testId="edit-room-policy" ariaLabel={`Edit the policy for ${p.conference}`} onClick={onEdit}>
            Edit
          </RowButton>
          <RowButton testId="delete-room-policy" ariaLabel={`Delete the policy for ${p.conference}`} onClick={onDelete}>
            Delete
          </RowButton>
        </div>
      </td>
    </tr>
  );
}

function DeletePolicyDialog({ target, onClose }: { target: RoomPolicyDto | null; onClose: () => void }) {
  const remove = useDeleteRoomPolicy();
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={target !== null}
      title={`Delete the policy for “${target?.conference ?? ''}”?`}
      confirmLabel="Delete"
      destructive
      busy={remove.isPending}
      error={remove.error}
      onConfirm={() => target && remove.mutate(target.id, { onSuccess: close })}
      onCancel={close}
    >
      <p>Its rules stop applying at once; violations already recorded stay on the timelines.</p>
    </ConfirmDialog>
  );
}
