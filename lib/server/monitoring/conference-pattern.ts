/**
 * A conference pattern, as webhook endpoints and room policies name conferences: an exact id, or a prefix ending in
 * `*` (`lesson-*`). `*` alone matches every conference. The SQL twin is in data/monitoring.ts (`conferencePatternSql`).
 */
export function conferenceMatches(pattern: string, conference: string): boolean {
  return pattern.endsWith('*') ? conference.startsWith(pattern.slice(0, -1)) : conference === pattern;
}

/** How specific a pattern is: an exact id beats any prefix, a longer prefix a shorter one. */
export function patternSpecificity(pattern: string): number {
  return pattern.endsWith('*') ? pattern.length - 1 : Number.MAX_SAFE_INTEGER;
}
