'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useWebhooks } from '@/lib/client/hooks/use-webhooks';
import type { WebhookEndpointDto } from '@/lib/schemas/webhooks';

/**
 * Tells admins that webhook endpoints are disabled (the failure rule, a 410, or an admin) and why: nothing reaches
 * them until someone re-enables them. On every settings screen (the settings layout), with a link to the webhooks
 * screen; there, `detailed` lists each one.
 */
export function WebhooksDisabledBanner({ detailed = false }: { detailed?: boolean }) {
  const pathname = usePathname() ?? '';
  const query = useWebhooks();
  const disabled = (query.data?.endpoints ?? []).filter((e) => !e.enabled);
  // The webhooks screen shows its own, detailed one.
  if (!detailed && pathname.startsWith('/settings/webhooks')) return null;
  if (disabled.length === 0) return null;
  return (
    <div className="banner banner-error" role="alert" data-testid="webhooks-disabled-banner">
      <strong>
        {disabled.length === 1 ? 'A webhook endpoint is disabled' : `${disabled.length} webhook endpoints are disabled`}
      </strong>
      : its events are not delivered until it is re-enabled.{' '}
      {detailed ? <DisabledList endpoints={disabled} /> : <Link href="/settings/webhooks">Review webhooks</Link>}
    </div>
  );
}

function DisabledList({ endpoints }: { endpoints: WebhookEndpointDto[] }) {
  return (
    <ul>
      {endpoints.map((e) => (
        <li key={e.id}>
          <span className="kid">{e.url}</span>: {e.disabledReason ?? 'disabled'}
        </li>
      ))}
    </ul>
  );
}
