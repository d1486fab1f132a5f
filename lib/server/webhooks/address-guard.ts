/**
 * SSRF protection for webhook destinations: a webhook URL must not reach Callscope's own host or network (loopback,
 * link-local — cloud metadata at 169.254.169.254 —, RFC 1918, ULA, CGNAT, unspecified, multicast, reserved), unless
 * CALLSCOPE_WEBHOOK_ALLOW_PRIVATE=true. Checked twice: when an endpoint is saved (a clear 400), and at every
 * connection, where `guardedLookup` resolves the name, refuses a private answer, and hands the socket the very
 * address it checked, so a name that resolves elsewhere a second later (DNS rebinding) cannot slip through.
 */
import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 one carries (IPv4-mapped `::ffff:a.b.c.d`, also in hex; NAT64 `64:ff9b::/96`). */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(lower);
  if (!m) return undefined;
  if (m[1]) return m[1];
  const hi = Number.parseInt(m[2], 16);
  const lo = Number.parseInt(m[3], 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Whether an IP address is loopback, link-local, private or otherwise not a public destination. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0];
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4) return blocked.check(v4, 'ipv4');
    return blocked.check(bare, 'ipv6');
  }
  return true;
}

export class DestinationError extends Error {
  override name = 'DestinationError';
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Checks a webhook URL before it is saved: http(s) only, and (unless private destinations are allowed) every address
 * its host resolves to is public. Throws DestinationError with a message for the admin.
 */
export async function checkDestination(raw: string, allowPrivate: boolean): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationError('The URL is not valid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DestinationError('Only http:// and https:// URLs can receive webhooks');
  }
  if (url.username || url.password) throw new DestinationError('The URL must not carry a user name or password');
  if (allowPrivate) return;
  const host = hostOf(url);
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw new DestinationError(privateMessage(host));
    return;
  }
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch {
    throw new DestinationError(`The host ${host} does not resolve`);
  }
  const inside = addresses.find((a) => isPrivateAddress(a.address));
  if (inside) throw new DestinationError(privateMessage(`${host} (${inside.address})`));
}

function privateMessage(what: string): string {
  return `The destination ${what} is a loopback, link-local or private address: webhooks are only sent to public addresses (CALLSCOPE_WEBHOOK_ALLOW_PRIVATE=true allows private ones)`;
}

/**
 * A `lookup` for http.request: resolves like the system does, and fails the connection when the answer is private
 * (unless allowed). The socket connects to the address returned here, the one that was checked.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) {
        callback(err, '', 4);
        return;
      }
      const list = addresses as dns.LookupAddress[];
      const usable = allowPrivate ? list : list.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0 || usable.length < list.length) {
        const bad = list.find((a) => isPrivateAddress(a.address))?.address ?? 'none';
        callback(new DestinationError(privateMessage(`${hostname} (${bad})`)), '', 4);
        return;
      }
      if ((options as { all?: boolean }).all) callback(null, usable as unknown as string, 0);
      else callback(null, usable[0].address, usable[0].family);
    });
  };
}

/** For an IP-literal host (the socket does no lookup for it): the same refusal, before connecting. */
export function assertLiteralAllowed(url: URL, allowPrivate: boolean): void {
  const host = hostOf(url);
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) throw new DestinationError(privateMessage(host));
}
