import { EVENT_SCHEMA_VERSION } from '../case/events.js';
import type { PreparedEvent } from '../ports.js';
import { eventHash, genesisHash } from './hashChain.js';

/** Where a stream's chain stands: its last position and that event's hash. */
export interface ChainHead {
  revision: number;
  hash: string;
}

/**
 * THE preparation of hash-chained events: positions and the chain continuing a stream at
 * `head` (undefined: a new stream), with metadata `{ v, actor }` (`{ v }` when nobody is
 * named). Every append of the engine goes through it: cases (the command handler), daily
 * anchors, the access log, the calendar, deployed matters (api/src/matters/book.ts), accounts and keys
 * (api/src/auth/directory.ts).
 */
export function prepareChained(
  streamId: string,
  head: ChainHead | undefined,
  events: readonly { type: string; data: unknown }[],
  actor: string | undefined,
  recordedAt: string,
): PreparedEvent[] {
  let prevHash = head?.hash ?? genesisHash(streamId);
  const first = (head?.revision ?? -1) + 1;
  return events.map((e, i) => {
    const metadata = actor ? { v: EVENT_SCHEMA_VERSION, actor } : { v: EVENT_SCHEMA_VERSION };
    const position = first + i;
    const hash = eventHash({ streamId, position, type: e.type, data: e.data, metadata, recordedAt, prevHash });
    const p: PreparedEvent = { position, type: e.type, data: e.data, metadata, recordedAt, prevHash, hash };
    prevHash = hash;
    return p;
  });
}
