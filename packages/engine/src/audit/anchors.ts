import { toShanghaiDate } from '../calendar/calendar.js';
import type { StreamHead } from '../ports.js';
import { canonicalize } from './canonical.js';
import { merkleLeafHash, merkleRoot } from './merkle.js';

/**
 * Daily anchors. A hash chain proves a stream was not altered inside; it cannot
 * prove a whole stream (a case) was not deleted, nor that its last events were not
 * cut off. So once a day the engine records a digest over every stream's head in a
 * stream of its own ($anchors), and publishes its root:
 *
 *   day      a China calendar date (UTC+8), 'YYYY-MM-DD'
 *   cutoff   the instant that day ends: the next day 00:00 at +08:00
 *   head     of a stream as of the day: its event with the highest position among
 *            those recorded (recordedAt) before the cutoff
 *   leaf     JCS({ hash, position, stream }) of each head, sorted by stream id
 *   root     RFC 6962 Merkle tree hash of the leaves (see merkle.ts)
 *
 * "As of the end of that day" is what keeps an old anchor valid: appending to a
 * case tomorrow adds events recorded after the cutoff, which do not change its head
 * as of today, so any later replay of the store reproduces today's root exactly.
 * Only a change to history does: a deleted or truncated case, an altered head, or
 * an event slipped in with a back-dated time.
 *
 * Each anchor also lists the heads that moved since the previous anchor (`changed`),
 * so a verifier can say which case no longer matches, and fold the anchors into the
 * full set of heads. Anchors only move forward in time: a day is anchored after it
 * ended (plus a grace period for writes in flight), never a day before the last one.
 * The $anchors stream itself is not a leaf (it is chained, and its root is what gets
 * published).
 */

export interface AnchorHead {
  stream: string;
  position: number;
  hash: string;
}

export interface DailyAnchorRecorded {
  type: 'DailyAnchorRecorded';
  data: {
    day: string;
    cutoff: string;
    /** Merkle root (hex) over every stream's head as of the cutoff. */
    root: string;
    /** Leaves under the root: streams with at least one event before the cutoff. */
    streams: number;
    /** Events under the root: the sum of (head position + 1). */
    events: number;
    /** Heads that differ from the previous anchor's, sorted by stream id. */
    changed: AnchorHead[];
    /** The previously anchored day, or null for the first anchor. */
    previousDay: string | null;
    /** How the root is computed, so a verifier can tell. */
    algorithm: typeof ANCHOR_ALGORITHM;
    at: string;
  };
}

export const ANCHOR_ALGORITHM = 'rfc6962-sha256(jcs{hash,position,stream}) sorted by stream' as const;

/** How long after a day ends it may be anchored: appends in flight at midnight have landed by then. */
export const ANCHOR_GRACE_MS = 5 * 60_000;

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export const isAnchorDay = (day: string): boolean =>
  ISO_DAY.test(day) && new Date(`${day}T00:00:00.000Z`).toISOString().slice(0, 10) === day;

/** The China calendar date of an instant. */
export const anchorDayOf = (instant: string | Date): string => toShanghaiDate(instant);

/** The end of a China calendar date: the next day 00:00 at +08:00, as a UTC ISO instant ('…T16:00:00.000Z'). */
export function anchorCutoff(day: string): string {
  if (!isAnchorDay(day)) throw new RangeError(`not a calendar date: ${JSON.stringify(day)}`);
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS - 8 * 3_600_000).toISOString();
}

export const previousAnchorDay = (day: string): string =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) - DAY_MS).toISOString().slice(0, 10);

/** The latest day that may be anchored at `now`: the last one that ended at least the grace period ago. */
export function latestAnchorableDay(now: Date, graceMs = ANCHOR_GRACE_MS): string {
  return previousAnchorDay(anchorDayOf(new Date(now.getTime() - graceMs)));
}

export const anchorLeafHash = (h: AnchorHead): Buffer =>
  merkleLeafHash(canonicalize({ hash: h.hash, position: h.position, stream: h.stream }));

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every stream's head, kept with its leaf hash, from which a root is computed. Both
 * the recorder (from the store's heads) and the verifier (from a scan) fold into it.
 */
export class HeadSet {
  private readonly heads = new Map<string, { position: number; hash: string; leaf?: Buffer }>();
  private sorted: string[] = [];
  private added: string[] = [];

  get size(): number {
    return this.heads.size;
  }

  get(streamId: string): { position: number; hash: string } | undefined {
    return this.heads.get(streamId);
  }

  has(streamId: string): boolean {
    return this.heads.has(streamId);
  }

  /** Sets a stream's head; returns whether it changed. */
  set(streamId: string, position: number, hash: string): boolean {
    const current = this.heads.get(streamId);
    if (current && current.position === position && current.hash === hash) return false;
    if (!current) this.added.push(streamId);
    this.heads.set(streamId, { position, hash });
    return true;
  }

  delete(streamId: string): void {
    if (!this.heads.delete(streamId)) return;
    this.sorted = this.sorted.filter((s) => s !== streamId);
    this.added = this.added.filter((s) => s !== streamId);
  }

  /** Events under the heads: the sum of (position + 1). */
  events(): number {
    let n = 0;
    for (const h of this.heads.values()) n += h.position + 1;
    return n;
  }

  streams(): string[] {
    this.merge();
    return this.sorted;
  }

  /** The Merkle root over the heads (leaves sorted by stream id). */
  root(): string {
    this.merge();
    const leaves = this.sorted.map((s) => {
      const h = this.heads.get(s)!;
      h.leaf ??= anchorLeafHash({ stream: s, position: h.position, hash: h.hash });
      return h.leaf;
    });
    return merkleRoot(leaves);
  }

  /** Leaf hashes in tree order, for inclusion proofs. */
  leaves(): Buffer[] {
    this.root();
    return this.sorted.map((s) => this.heads.get(s)!.leaf!);
  }

  private merge(): void {
    if (this.added.length === 0) return;
    const added = this.added.sort(byCodeUnits);
    this.added = [];
    const out: string[] = new Array(this.sorted.length + added.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.sorted.length && j < added.length) out[k++] = byCodeUnits(this.sorted[i]!, added[j]!) <= 0 ? this.sorted[i++]! : added[j++]!;
    while (i < this.sorted.length) out[k++] = this.sorted[i++]!;
    while (j < added.length) out[k++] = added[j++]!;
    this.sorted = out;
  }
}

/** Sorts heads into the `changed` list of an anchor. */
export const sortedChanges = (heads: Iterable<AnchorHead>): AnchorHead[] =>
  [...heads].sort((a, b) => byCodeUnits(a.stream, b.stream));

/**
 * The data of the anchor for `day`: `heads` are the store's heads as of the day's
 * cutoff (without the anchor stream), `previous` the heads folded from the anchors
 * recorded so far. Refuses (returns the streams) when a head went backwards or
 * vanished since the previous anchor: anchoring then would launder a deletion.
 */
export function buildAnchor(
  day: string,
  heads: readonly StreamHead[],
  previous: HeadSet,
  previousDay: string | null,
  at: string,
): { ok: true; data: DailyAnchorRecorded['data'] } | { ok: false; lost: AnchorHead[] } {
  const next = new Map(heads.map((h) => [h.streamId, h]));
  const lost: AnchorHead[] = [];
  for (const stream of previous.streams()) {
    const before = previous.get(stream)!;
    const now = next.get(stream);
    if (!now || now.position < before.position) lost.push({ stream, ...before });
  }
  if (lost.length > 0) return { ok: false, lost };
  const changed: AnchorHead[] = [];
  const set = new HeadSet();
  for (const stream of previous.streams()) set.set(stream, previous.get(stream)!.position, previous.get(stream)!.hash);
  for (const h of heads) {
    if (set.set(h.streamId, h.position, h.hash)) changed.push({ stream: h.streamId, position: h.position, hash: h.hash });
  }
  return {
    ok: true,
    data: {
      day,
      cutoff: anchorCutoff(day),
      root: set.root(),
      streams: set.size,
      events: set.events(),
      changed: sortedChanges(changed),
      previousDay,
      algorithm: ANCHOR_ALGORITHM,
      at,
    },
  };
}
