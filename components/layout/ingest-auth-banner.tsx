'use client';

import { useHealth } from '@/lib/client/hooks/use-health';

/** Warns every staff member while ingest accepts unauthenticated clients (no CALLSCOPE_JWT_SECRET). */
export function IngestAuthBanner() {
  const { data } = useHealth();
  if (data?.authRequired !== false) return null;
  return (
    <div className="banner banner-warning" role="alert" data-testid="ingest-auth-banner">
      <strong>Ingest authentication is off.</strong> Any client can send data to this server. Set
      <code> CALLSCOPE_JWT_SECRET</code> (or add a signing key in Settings) to require signed tokens.
    </div>
  );
}
