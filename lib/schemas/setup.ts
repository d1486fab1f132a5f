import { z } from 'zod';
import { ROLES } from '@/lib/shared/roles';

/**
 * First-admin setup (`POST /api/setup`), declared once: the route handler validates with `setupInput` and the
 * OpenAPI reference (lib/server/openapi/operations.ts) describes the same objects.
 */

export const setupInput = z.object({
  email: z.email().max(254),
  password: z.string().min(10).max(200),
  name: z.string().trim().min(1).max(100).optional(),
});

/** 201: the admin account just created (the first one; 409 once any exists). */
export const setupResponseSchema = z.strictObject({
  staff: z.strictObject({ id: z.string(), email: z.string(), role: z.enum(ROLES) }),
});
export type SetupResponse = z.infer<typeof setupResponseSchema>;
