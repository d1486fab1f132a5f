import { Forbidden } from '@/components/forbidden';

/**
 * What `forbidden()` renders for a dashboard page the signed-in role may not open (settings for non-admins), inside
 * the dashboard's header and navigation, with HTTP status 403 (`experimental.authInterrupts` in next.config.ts).
 */
export default function DashboardForbidden() {
  return <Forbidden />;
}
