import { exportSessionsQuery } from '@/lib/schemas/sessions';
import { route } from '@/lib/server/api';
import { exportFilename, exportSessions } from '@/lib/server/session-export';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const CONTENT_TYPE = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const;

// GET /api/v1/search/export?format=csv|ndjson&q=: every session the search matches, as a file (streamed).
export const GET = route({ access: 'support', query: exportSessionsQuery }, async ({ query }) => {
  return new Response(exportSessions(query), {
    headers: {
      'content-type': CONTENT_TYPE[query.format],
      'content-disposition': `attachment; filename="${exportFilename(query.format)}"`,
      'cache-control': 'no-store',
    },
  });
});
