/**
 * Who a Jitsi dump belongs to: the one mapping from a Jitsi `identity` entry (and the `connectionInfo` line) to
 * user / conference / session. The decoder (uploads, processing) and the WebSocket ingest (the session row while the
 * call is live) both use it, so a row and its analysis never disagree.
 *
 *   user       ← `displayName` (what people search for), else `endpointId`
 *   conference ← `confName`, else the room part of `confID` (`host/room`), else the connectionInfo `path`
 *   session    ← the connection's `statsSessionId` (the id the client connected with), else `endpointId` (one
 *                participant's join of one meeting), else `sessionId`
 *
 * Each source has a rank: a field takes the best-ranked value seen so far (an equal rank updates it).
 */
import { isObject } from './values';

export type JitsiIdentityField = 'user' | 'conference' | 'session';
export type JitsiIdentity = Partial<Record<JitsiIdentityField, string>>;

const MAX_ID_LENGTH = 256;

/** A usable id: non-empty text (not the string "null") or a finite number, cut to 256 characters. */
export function identityText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '' && value !== 'null') return value.slice(0, MAX_ID_LENGTH);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

type Candidate = [field: JitsiIdentityField, rank: number, value: string | undefined];

function roomOf(confId: string | undefined): string | undefined {
  return confId ? confId.slice(confId.lastIndexOf('/') + 1) || undefined : undefined;
}

/** Candidates from a `connectionInfo` value (the meeting path; `statsSessionId` as Callscope's ingest records it). */
export function connectionInfoCandidates(info: unknown): Candidate[] {
  if (!isObject(info)) return [];
  const path = typeof info.path === 'string' ? info.path.replace(/^\/+/, '') : undefined;
  return [
    ['conference', 1, identityText(path)],
    ['session', 3, identityText(info.statsSessionId)],
  ];
}

/** Candidates from an `identity` entry's value. */
export function identityCandidates(fields: unknown): Candidate[] {
  if (!isObject(fields)) return [];
  return [
    ['user', 2, identityText(fields.displayName)],
    ['user', 1, identityText(fields.endpointId)],
    ['conference', 3, identityText(fields.confName)],
    ['conference', 2, roomOf(identityText(fields.confID))],
    ['session', 2, identityText(fields.endpointId)],
    ['session', 1, identityText(fields.sessionId)],
  ];
}

/** Accumulates identity from the lines of one dump, best source first. */
export class JitsiIdentityPicker {
  private readonly rank: Record<JitsiIdentityField, number> = { user: 0, conference: 0, session: 0 };
  readonly identity: JitsiIdentity = {};

  add(candidates: Candidate[]): this {
    for (const [field, rank, value] of candidates) {
      if (value === undefined || rank < this.rank[field]) continue;
      this.rank[field] = rank;
      this.identity[field] = value;
    }
    return this;
  }
}

/** The identity one `identity` entry gives, with the connection's info when known. */
export function jitsiIdentity(identityValue: unknown, connectionInfo?: unknown): JitsiIdentity {
  return new JitsiIdentityPicker().add(connectionInfoCandidates(connectionInfo)).add(identityCandidates(identityValue))
    .identity;
}
