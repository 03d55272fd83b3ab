import crypto, { createHash } from 'node:crypto';
import type { StoredEventText } from '../ports.js';
import { canonicalText, canonicalize } from './canonical.js';

/**
 * Each event's hash covers its stream, position, type, data, metadata, time and
 * the previous event's hash, so altering, deleting or reordering any event breaks
 * every hash after it. The first event chains from the case id.
 *
 *   hash = sha256_hex(JCS({ streamId, position, type, data, metadata, recordedAt, prevHash }))
 *   prevHash(position 0) = sha256_hex("onematter:" + streamId)
 *
 * (node:crypto's hash is computation, not I/O; the standalone dossier verifier
 * repeats these lines.)
 */
export interface HashedFields {
  streamId: string;
  position: number;
  type: string;
  data: unknown;
  metadata: unknown;
  recordedAt: string;
  prevHash: string;
}

/**
 * SHA-256 of UTF-8 text, as hex. Node's one-shot `crypto.hash` (20.12+) is several
 * times faster than a Hash object for short inputs, and verification hashes millions.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
export const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => createHash('sha256').update(text, 'utf8').digest('hex');

export const genesisHash = (streamId: string): string => sha256Hex(`onematter:${streamId}`);

/** The hash of a new event. Keeps the canonical texts for the store's append (canonicalText). */
export const eventHash = (e: HashedFields): string => sha256Hex(hashedText(e, canonicalText));

/** The same hash, for checking events read back: nothing is kept. */
export const contentHash = (e: HashedFields): string => sha256Hex(hashedText(e, canonicalize));

/**
 * The canonical text that is hashed. The envelope's members are written in their
 * sorted order (data, metadata, position, prevHash, recordedAt, streamId, type)
 * rather than sorted per event: the same text as canonicalize() of the envelope,
 * which the fallback computes when a member is not of its usual type.
 */
function hashedText(e: HashedFields, text: (value: unknown) => string): string {
  if (
    e.data === undefined ||
    e.metadata === undefined ||
    !Number.isFinite(e.position) ||
    typeof e.prevHash !== 'string' ||
    typeof e.recordedAt !== 'string' ||
    typeof e.streamId !== 'string' ||
    typeof e.type !== 'string'
  ) {
    return canonicalize({
      streamId: e.streamId,
      position: e.position,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      recordedAt: e.recordedAt,
      prevHash: e.prevHash,
    });
  }
  return envelope(text(e.data), text(e.metadata), e);
}

/** The hashed envelope around the JSON texts of data and metadata (see hashedText). */
function envelope(dataText: string, metadataText: string, e: Pick<HashedFields, 'position' | 'prevHash' | 'recordedAt' | 'streamId' | 'type'>): string {
  return (
    '{"data":' + dataText +
    ',"metadata":' + metadataText +
    ',"position":' + e.position +
    ',"prevHash":' + JSON.stringify(e.prevHash) +
    ',"recordedAt":' + JSON.stringify(e.recordedAt) +
    ',"streamId":' + JSON.stringify(e.streamId) +
    ',"type":' + JSON.stringify(e.type) +
    '}'
  );
}

/** An event as a store keeps it: data and metadata as the JSON text it wrote. */
export type StoredText = Omit<StoredEventText, 'globalPosition' | 'hash'>;

/**
 * The hash of a stored event, taken over its stored texts without parsing them:
 * equal to {@link eventHash} when the store wrote canonical text (every store does
 * since canonicalText). A store edited by hand, or written by an older version,
 * may hold other text for the same content: a mismatch here is only decided by
 * parsing and hashing the content (see the verifier).
 */
export const storedTextHash = (e: StoredText): string => sha256Hex(envelope(e.dataText, e.metadataText, e));

export interface ChainBreak {
  streamId: string;
  position: number;
  reason: string;
}

/** Checks one stream from its first event: positions contiguous from 0, each hash right, each link right. */
export function verifyChain(streamId: string, events: readonly Omit<HashedFields, 'streamId'>[] & readonly { hash: string }[]): ChainBreak | undefined {
  let prev = genesisHash(streamId);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]! as Omit<HashedFields, 'streamId'> & { hash: string };
    if (e.position !== i) return { streamId, position: i, reason: `expected position ${i}, found ${e.position}` };
    if (e.prevHash !== prev) return { streamId, position: i, reason: 'prevHash does not match the previous event' };
    const h = contentHash({ ...e, streamId });
    if (h !== e.hash) return { streamId, position: i, reason: 'hash does not match the event content' };
    prev = e.hash;
  }
  return undefined;
}
