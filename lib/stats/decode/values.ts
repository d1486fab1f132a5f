/** Small value helpers shared by the decoders. */

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The four RTCPeerConnection state events, whose values Chrome's own exports JSON-quote (`"\"connected\""`). */
export const STATE_EVENTS: ReadonlySet<string> = new Set([
  'onsignalingstatechange',
  'oniceconnectionstatechange',
  'onconnectionstatechange',
  'onicegatheringstatechange',
]);

/** `"\"connected\""` → `connected`; anything else unchanged. */
export function unquoteState(value: unknown): unknown {
  if (typeof value !== 'string' || !value.startsWith('"')) return value;
  try {
    const unquoted: unknown = JSON.parse(value);
    return typeof unquoted === 'string' ? unquoted : value;
  } catch {
    return value;
  }
}
