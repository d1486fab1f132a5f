/**
 * A traced `RTCRtpSender.setParameters` call, reduced to what explains a sender's bitrate: per encoding its
 * `active`, `maxBitrate`, `maxFramerate` and `scaleResolutionDownBy`. rtcstats-js sends
 * `[setParameters, pc, [parameters], ts]` with a track id as the first extra field (not always the sender's own:
 * the standup fixture names another track there), so the codecs' media type is what tells the sender's kind.
 * Anything shaped differently is ignored rather than guessed at.
 */

import type { TraceEvent } from '../model';
import type { SenderParameters } from './types';
import { isObject } from '../decode/values';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function senderParametersOf(ev: TraceEvent): SenderParameters | null {
  if (ev.type !== 'setParameters') return null;
  const params = Array.isArray(ev.value) ? ev.value[0] : ev.value;
  if (!isObject(params) || !Array.isArray(params.encodings)) return null;
  const encodings = params.encodings.filter(isObject).slice(0, 8).map((e) => ({
    rid: typeof e.rid === 'string' ? e.rid : null,
    active: typeof e.active === 'boolean' ? e.active : null,
    maxBitrate: num(e.maxBitrate),
    maxFramerate: num(e.maxFramerate),
    scaleResolutionDownBy: num(e.scaleResolutionDownBy),
  }));
  const track = ev.extra[0];
  const codec = Array.isArray(params.codecs) ? params.codecs.find(isObject) : undefined;
  const mime = typeof codec?.mimeType === 'string' ? codec.mimeType.split('/')[0].toLowerCase() : null;
  const kind = mime === 'audio' || mime === 'video' ? mime : null;
  return { time: ev.time, kind, trackIdentifier: typeof track === 'string' ? track : null, encodings };
}
