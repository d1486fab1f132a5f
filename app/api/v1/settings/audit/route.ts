import { auditQuery } from '@/lib/schemas/settings';
import { route } from '@/lib/server/api';
import { auditEntryDto, listAudit } from '@/lib/server/data/audit';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/settings/audit: newest first, cursor paging. Read-only: the audit log has no write endpoint.
export const GET = route({ access: 'admin', query: auditQuery }, async ({ query }) => {
  const page = await listAudit({ limit: query.limit, cursor: query.cursor, action: query.action });
  return { entries: page.entries.map(auditEntryDto), nextCursor: page.nextCursor };
});
