/**
 * Room policies (settings → Room policies, `/api/v1/settings/room-policies`), declared once: the inputs the route
 * handlers validate and the form builds, and the answers (strict, so a field the server adds without the schema
 * fails the shape test). Enforcement: lib/server/monitoring/room-policies.ts; docs/monitoring.md.
 */
import { z } from 'zod';

/** An exact conference id, or a prefix ending in `*` (`lesson-*`; `*` alone: every conference). */
export const conferencePatternInput = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .regex(/^[^*]*\*?$/, 'an exact conference id, or a prefix ending in *');

const maxParticipants = z.number().int().min(1).max(10_000);
/** Minutes once at least two participants are present; fractions allowed (0.5 = 30 s). At most a week. */
const maxDurationMinutes = z
  .number()
  .positive()
  .max(7 * 24 * 60);
/** null: anyone may share a screen; a list (empty: nobody) names the user ids that may. */
const screenShareUsers = z.array(z.string().trim().min(1).max(256)).max(200);

const hasRule = (p: { maxParticipants?: unknown; maxDurationMinutes?: unknown; screenShareUsers?: unknown }) =>
  p.maxParticipants != null || p.maxDurationMinutes != null || p.screenShareUsers != null;
const NO_RULE = 'a policy needs at least one rule: max participants, max duration or screen sharing';

// POST /api/v1/settings/room-policies
export const roomPolicyInput = z
  .object({
    conference: conferencePatternInput,
    maxParticipants: maxParticipants.nullable().default(null),
    maxDurationMinutes: maxDurationMinutes.nullable().default(null),
    screenShareUsers: screenShareUsers.nullable().default(null),
  })
  .refine(hasRule, NO_RULE);
export type RoomPolicyInput = z.input<typeof roomPolicyInput>;

// PATCH /api/v1/settings/room-policies/{id}: the fields given change (null clears a rule).
export const updateRoomPolicyInput = z
  .object({
    conference: conferencePatternInput.optional(),
    maxParticipants: maxParticipants.nullable().optional(),
    maxDurationMinutes: maxDurationMinutes.nullable().optional(),
    screenShareUsers: screenShareUsers.nullable().optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'nothing to change');
export type UpdateRoomPolicyInput = z.input<typeof updateRoomPolicyInput>;

export const roomPolicyDtoSchema = z.strictObject({
  id: z.string(),
  conference: z.string(),
  maxParticipants: z.number().nullable(),
  maxDurationMinutes: z.number().nullable(),
  screenShareUsers: z.array(z.string()).nullable(),
  /** Epoch ms, as every settings answer. */
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type RoomPolicyDto = z.infer<typeof roomPolicyDtoSchema>;

export const roomPoliciesResponseSchema = z.strictObject({ policies: z.array(roomPolicyDtoSchema) });
export const roomPolicyResponseSchema = z.strictObject({ policy: roomPolicyDtoSchema });
