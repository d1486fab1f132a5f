/** Display helpers for the settings screens (values stay epoch ms / seconds elsewhere). */

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  if (seconds === 0) return '0 s (immediately)';
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}

/** "3 min ago", "in 2 h", or "never". */
export function formatRelative(ms: number | null | undefined, now = Date.now()): string {
  if (ms == null || !Number.isFinite(ms)) return 'never';
  const diff = Math.round((ms - now) / 1000);
  if (Math.abs(diff) < 45) return 'just now';
  const text = formatSeconds(Math.abs(diff)).split(' ').slice(0, 2).join(' ');
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

export const ROLE_OPTIONS = ['support', 'engineer', 'admin'] as const;
