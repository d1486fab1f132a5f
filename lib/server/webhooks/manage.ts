/**
 * What the webhook API does, beside its rows: destinations checked against the SSRF rule before they are saved (a
 * 400 that says why), secrets generated here and returned once, re-enabling that insists on the replay question,
 * and the lines that got deliveries kicked at once. Route handlers call only these.
 */
import type { CreateWebhookInput, UpdateWebhookInput, WebhookAttemptResponse } from '@/lib/schemas/webhooks';
import { serverContext } from '@/lib/server/context';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import {
  createWebhookEndpoint,
  disableWebhookEndpoint,
  enableWebhookEndpoint,
  getDelivery,
  getWebhookEndpoint,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  WebhookError,
} from '@/lib/server/data/webhooks';
import { checkDestination, DestinationError } from '@/lib/server/webhooks/address-guard';
import { generateWebhookSecret } from '@/lib/server/webhooks/send';

function deliveries() {
  return serverContext().webhooks;
}

async function checkUrl(url: string): Promise<void> {
  try {
    await checkDestination(url, deliveries().config.allowPrivate);
  } catch (err) {
    if (err instanceof DestinationError) throw new WebhookError('bad_destination', err.message);
    throw err;
  }
}

export async function createEndpoint(input: CreateWebhookInput, actor: Actor) {
  await checkUrl(input.url);
  const secret = generateWebhookSecret();
  const endpoint = await createWebhookEndpoint({ ...input, secret, actor });
  return { endpoint, secret };
}

export async function updateEndpoint(id: string, input: UpdateWebhookInput, actor: Actor) {
  const current = await getWebhookEndpoint(id);
  if (input.enabled === true && !current.enabled && input.replay === undefined) {
    throw new WebhookError(
      'replay_required',
      'Re-enabling a disabled endpoint needs `replay`: true delivers what it missed, false skips it',
    );
  }
  if (input.url !== undefined) await checkUrl(input.url);
  const { url, events, conference, description } = input;
  if ([url, events, conference, description].some((v) => v !== undefined)) {
    await updateWebhookEndpoint(id, { url, events, conference, description }, actor);
  }
  if (input.enabled === false) {
    await disableWebhookEndpoint(id, `Disabled by ${actor.email ?? 'an admin'}`, actor);
  } else if (input.enabled === true && !current.enabled) {
    const { lines } = await enableWebhookEndpoint(id, input.replay === true, actor);
    await deliveries().kick(lines);
  }
  return getWebhookEndpoint(id);
}

export async function rotateSecret(id: string, overlapHours: number, actor: Actor) {
  const secret = generateWebhookSecret();
  const endpoint = await rotateWebhookSecret(id, secret, overlapHours, actor);
  return { endpoint, secret };
}

export async function sendTestEvent(id: string, actor: Actor): Promise<WebhookAttemptResponse> {
  const sent = await deliveries().sendTest(id);
  if (!sent) throw new WebhookError('not_found', 'No such webhook endpoint');
  await auditFor(actor, 'webhook.test', id, {
    delivery: sent.deliveryId,
    ok: sent.outcome.ok,
    status: sent.outcome.status,
  });
  return { delivery: await getDelivery(id, sent.deliveryId), attempt: sent.outcome };
}

export async function redeliver(id: string, deliveryId: string, actor: Actor): Promise<WebhookAttemptResponse> {
  const sent = await deliveries().redeliver(id, deliveryId);
  if (!sent) throw new WebhookError('not_found', 'No such delivery');
  await auditFor(actor, 'webhook.redeliver', id, {
    delivery: deliveryId,
    ok: sent.outcome.ok,
    status: sent.outcome.status,
  });
  return { delivery: await getDelivery(id, sent.deliveryId), attempt: sent.outcome };
}
