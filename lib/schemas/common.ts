/** Shared query fragments: epoch-ms time range, paging. */

import { z } from 'zod';

export const epochMs = z.coerce.number().int().min(0).max(8.64e15);
export const limit = z.coerce.number().int().min(1).max(200).default(50);
export const cursor = z.string().regex(/^\d+$/, 'cursor is a session id').optional();
export const idText = z.string().trim().min(1).max(256);
