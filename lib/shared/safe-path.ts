/**
 * A same-site path to return to after sign-in, or null. Refuses what browsers would resolve to another origin:
 * `//host`, `/\host` (backslashes count as slashes), absolute URLs, and control characters.
 */
export function safeReturnPath(raw: string | null | undefined): string | null {
  if (!raw || raw.length > 2048 || !raw.startsWith('/') || raw.includes('\\')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(raw)) return null;
  const base = 'http://callscope.invalid';
  try {
    const url = new URL(raw, base);
    return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : null;
  } catch {
    return null;
  }
}
