/** Display formatting. Values stay epoch ms / bits/s everywhere else; only these functions turn them into text. */

import type { DisplayZone } from '@/lib/shared/display-zone';

/** Intl formatters are costly to build: one pair per zone (a page uses one). */
const formattersByZone = new Map<string, { dateTime: Intl.DateTimeFormat; time: Intl.DateTimeFormat }>();

function formatters(zone: DisplayZone) {
  const key = `${zone.locale}|${zone.timeZone}`;
  let f = formattersByZone.get(key);
  if (!f) {
    const { locale, timeZone } = zone;
    f = {
      dateTime: new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' }),
      time: new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit' }),
    };
    formattersByZone.set(key, f);
  }
  return f;
}

/**
 * Date and time in the given zone. Components get the zone from the display-zone context (`useTimeFormat()` in
 * components/display-zone-provider.tsx), so the server and the browser write the same text.
 */
export function formatDateTime(ms: number | null | undefined, zone: DisplayZone): string {
  return ms == null || !Number.isFinite(ms) ? '—' : formatters(zone).dateTime.format(new Date(ms));
}

export function formatTime(ms: number | null | undefined, zone: DisplayZone): string {
  return ms == null || !Number.isFinite(ms) ? '—' : formatters(zone).time.format(new Date(ms));
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatBitrate(bps: number | null | undefined): string {
  if (bps == null || !Number.isFinite(bps)) return '—';
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  if (bps >= 1e3) return `${Math.round(bps / 1e3)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

export function formatNumber(value: number | null | undefined, digits = 1): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return '—';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** "user_alice" → "Alice": a readable name for pair sentences; the raw id stays in titles and links. */
export function displayName(user: string | null | undefined): string {
  if (!user) return 'Unknown user';
  const stripped = user.replace(/^(user|usr|u)[_-]/i, '');
  const base = stripped.length > 0 ? stripped : user;
  return base.charAt(0).toUpperCase() + base.slice(1);
}

export function shortId(id: string | null | undefined, length = 8): string {
  if (!id) return '—';
  return id.length > length + 1 ? `${id.slice(0, length)}…` : id;
}

export const ISSUE_LABELS: Record<string, string> = {
  'packet-loss': 'Packet loss',
  jitter: 'Jitter',
  rtt: 'High RTT',
  'low-frame-rate': 'Low frame rate',
  freeze: 'Video freezes',
  'audio-concealment': 'Choppy audio',
  'cpu-limited': 'CPU limited',
  'bandwidth-limited': 'Bandwidth limited',
  'ice-failure': 'ICE failure',
  disconnection: 'Disconnection',
  'media-error': 'Camera/mic error',
  relay: 'TURN relay',
  tcp: 'Media over TCP',
  'no-media': 'No media',
};

export function issueLabel(type: string): string {
  return ISSUE_LABELS[type] ?? type;
}

export const ISSUE_TYPES = Object.keys(ISSUE_LABELS);

export function faultLabel(fault: string | null | undefined): string {
  switch (fault) {
    case 'sender-uplink':
      return "Sender's upload";
    case 'sender-device':
      return "Sender's device or app";
    case 'between':
      return 'Between sender and receiver';
    case 'receiver-downlink':
      return "Receiver's download";
    default:
      return 'On the path (either end)';
  }
}

/** Why a sender's bitrate fell, as a badge. */
export function bitrateCauseLabel(cause: string | null | undefined): string | null {
  switch (cause) {
    case 'congestion':
      return 'network congestion';
    case 'cpu':
      return 'CPU overload';
    case 'sender-setting':
      return 'set by the sender';
    default:
      return null;
  }
}
