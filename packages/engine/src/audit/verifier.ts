import { ANCHOR_STREAM } from './streams.js';
import { HeadSet, type DailyAnchorRecorded } from './anchors.js';
import { contentHash, genesisHash, storedTextHash, type StoredText } from './hashChain.js';

/**
 * Verification of a whole store, in one pass over the global order, split into
 * ranges that can be checked apart (in worker threads) and stitched together:
 *
 * 1. Within a range, each event is checked on its own (its hash matches its
 *    content) and against the event before it in the same stream (positions
 *    follow each other, prevHash is that event's hash).
 * 2. Stitching checks each stream across range boundaries: its first event in a
 *    range continues its last event in the range before (or, for the first range
 *    it appears in, starts at position 0 and chains from the genesis hash).
 * 3. The anchors: for every anchored day, each stream's head as of the cutoff is
 *    recomputed from what the scan saw and compared with the anchor's record of it,
 *    and the Merkle root over all heads is recomputed and compared with the root.
 *
 * For each broken stream it reports the first bad position only: everything after
 * a break is suspect anyway.
 */

export interface ChainProblem {
  streamId: string;
  /** The first position that cannot be trusted. */
  position: number;
  reason: string;
}

/** The event fields verification reads (a StoredEvent has them all). */
export interface VerifiableEvent {
  streamId: string;
  position: number;
  type: string;
  data: unknown;
  metadata: unknown;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

/**
 * Or as the store keeps it (EventStore.readAllText): its hash is checked over the
 * stored text, and only a mismatch is parsed and judged by its content.
 */
export interface VerifiableText extends StoredText {
  hash: string;
}

interface StreamSeam {
  firstPosition: number;
  firstPrevHash: string;
  lastPosition: number;
  lastHash: string;
  problem?: { position: number; reason: string };
}

/** What a pass over one range learned; plain data, so a worker can post it. */
export interface RangeSummary {
  events: number;
  /** Per stream seen in the range. */
  seams: Record<string, StreamSeam>;
  /** Per anchored day (same order as the cutoffs): per stream, its highest position recorded before the cutoff and after the previous one. */
  buckets: Record<string, { position: number; hash: string }>[];
  /** Global positions missing from the range, on a store whose global order has no gaps (EventStore.gaplessGlobalOrder). */
  gaps?: GlobalGap[];
}

/** Global positions `from` to `to` (inclusive) that a gapless store does not hold. */
export interface GlobalGap {
  from: number;
  to: number;
}

const firstIndexAbove = (cutoffs: readonly string[], recordedAt: string): number => {
  // The first anchored day whose cutoff is after the event: a binary search on ISO strings.
  let lo = 0;
  let hi = cutoffs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (recordedAt < cutoffs[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
};

/** Checks events fed in global order (or in position order for one stream). */
export class RangeVerifier {
  private readonly seams = new Map<string, StreamSeam>();
  private readonly buckets: Map<string, { position: number; hash: string }>[];
  private events = 0;

  /** @param cutoffs the anchored days' cutoffs, ascending. */
  constructor(private readonly cutoffs: readonly string[] = []) {
    this.buckets = cutoffs.map(() => new Map());
  }

  add(e: VerifiableEvent | VerifiableText): void {
    this.events++;
    let s = this.seams.get(e.streamId);
    if (!s) {
      s = { firstPosition: e.position, firstPrevHash: e.prevHash, lastPosition: e.position, lastHash: e.hash };
      this.seams.set(e.streamId, s);
      if (!contentMatches(e)) s.problem = { position: e.position, reason: ALTERED };
    } else {
      if (!s.problem) s.problem = linkProblem(s.lastPosition, s.lastHash, e) ?? contentProblem(e);
      s.lastPosition = e.position;
      s.lastHash = e.hash;
    }
    // The anchor stream is not a leaf of its own anchors.
    if (this.cutoffs.length > 0 && e.recordedAt < this.cutoffs[this.cutoffs.length - 1]! && e.streamId !== ANCHOR_STREAM) {
      const bucket = this.buckets[firstIndexAbove(this.cutoffs, e.recordedAt)]!;
      const current = bucket.get(e.streamId);
      if (!current || current.position < e.position) bucket.set(e.streamId, { position: e.position, hash: e.hash });
    }
  }

  summary(): RangeSummary {
    return {
      events: this.events,
      seams: Object.fromEntries(this.seams),
      buckets: this.buckets.map((b) => Object.fromEntries(b)),
    };
  }
}

const ALTERED = 'the event was altered: its hash does not match its content';

/**
 * Whether an event's hash matches its content. Stored text is hashed as it is (no
 * parsing: the fast path of `verify --all`); text that does not hash right may still
 * be the same content written differently (by hand, or by an older version), so it
 * is parsed and canonicalised before it is called altered.
 */
function contentMatches(e: VerifiableEvent | VerifiableText): boolean {
  if (!('dataText' in e)) return contentHash(e) === e.hash;
  if (!ambiguousText(e) && storedTextHash(e) === e.hash) return true;
  let data: unknown;
  let metadata: unknown;
  try {
    data = JSON.parse(e.dataText);
    metadata = JSON.parse(e.metadataText);
  } catch {
    return false;
  }
  return contentHash({ streamId: e.streamId, position: e.position, type: e.type, data, metadata, recordedAt: e.recordedAt, prevHash: e.prevHash }) === e.hash;
}

/**
 * Whether stored texts could hash right without being what was hashed. The hashed
 * text is '{"data":' + data + ',"metadata":' + metadata + ',"position":' + … with
 * every later member a number or a JSON-quoted string, which cannot hold those
 * literals. Data and metadata are raw text, so one edit could move their border
 * (data `{"a":1` and metadata `2},"metadata":{…}` hash like data `{"a":1,"metadata":2}`):
 * that needs `,"metadata":` in one of them or `,"position":` in the metadata. Such
 * texts are judged by their parsed content (events seldom have such members).
 */
function ambiguousText(e: VerifiableText): boolean {
  return e.dataText.includes(',"metadata":') || e.metadataText.includes(',"metadata":') || e.metadataText.includes(',"position":');
}

function linkProblem(lastPosition: number, lastHash: string, e: { position: number; prevHash: string }): { position: number; reason: string } | undefined {
  const expected = lastPosition + 1;
  if (e.position !== expected) {
    return e.position > expected
      ? { position: expected, reason: `event ${expected} is missing or out of place: position ${e.position} follows ${lastPosition} (deleted or reordered)` }
      : { position: Math.min(expected, e.position), reason: `events are out of order: position ${e.position} follows ${lastPosition} (reordered)` };
  }
  if (e.prevHash !== lastHash) return { position: e.position, reason: 'the chain is broken: prevHash is not the hash of the event before (reordered or replaced)' };
  return undefined;
}

function contentProblem(e: VerifiableEvent | VerifiableText): { position: number; reason: string } | undefined {
  return contentMatches(e) ? undefined : { position: e.position, reason: ALTERED };
}

export interface StitchedStreams {
  events: number;
  /** Every stream seen, with its last position and hash. */
  heads: Map<string, { position: number; hash: string }>;
  problems: Map<string, ChainProblem>;
  /** Per anchored day: per stream, the highest position recorded in that day's window. */
  buckets: Map<string, { position: number; hash: string }>[];
}

/** Joins range summaries, given in global order. */
export function stitch(summaries: readonly RangeSummary[], anchoredDays = 0): StitchedStreams {
  const heads = new Map<string, { position: number; hash: string }>();
  const problems = new Map<string, ChainProblem>();
  const buckets = Array.from({ length: anchoredDays }, () => new Map<string, { position: number; hash: string }>());
  let events = 0;
  for (const r of summaries) {
    events += r.events;
    for (const streamId in r.seams) {
      const s = r.seams[streamId]!;
      const before = heads.get(streamId);
      if (!problems.has(streamId)) {
        const seam = before
          ? linkProblem(before.position, before.hash, { position: s.firstPosition, prevHash: s.firstPrevHash })
          : s.firstPosition !== 0
            ? { position: 0, reason: `events 0 to ${s.firstPosition - 1} are missing (the first one found is ${s.firstPosition})` }
            : s.firstPrevHash !== genesisHash(streamId)
              ? { position: 0, reason: 'the first event does not chain from the stream id (replaced)' }
              : undefined;
        const problem = seam ?? s.problem;
        if (problem) problems.set(streamId, { streamId, ...problem });
      }
      heads.set(streamId, { position: s.lastPosition, hash: s.lastHash });
    }
    r.buckets.forEach((b, i) => {
      const merged = buckets[i]!;
      for (const streamId in b) {
        const c = b[streamId]!;
        const current = merged.get(streamId);
        if (!current || current.position < c.position) merged.set(streamId, c);
      }
    });
  }
  return { events, heads, problems, buckets };
}

export interface RecordedAnchor {
  /** Position of the anchor event in the anchor stream. */
  position: number;
  data: DailyAnchorRecorded['data'];
}

export interface AnchorCheck {
  /** Problems of streams named by the anchors (deleted, truncated, rewritten, back-dated). */
  problems: ChainProblem[];
  /** Days whose root matched the store. */
  matched: number;
}

/**
 * Compares the anchors with the heads a scan saw (`buckets` from {@link stitch}, one
 * per anchor, in order). With `only`, checks that one stream and skips the roots,
 * which need every stream.
 */
export function checkAnchors(anchors: readonly RecordedAnchor[], buckets: readonly Map<string, { position: number; hash: string }>[], only?: string): AnchorCheck {
  const recorded = new HeadSet();
  const found = new HeadSet();
  const problems = new Map<string, ChainProblem>();
  let matched = 0;
  anchors.forEach((anchor, i) => {
    const bucket = buckets[i] ?? new Map();
    const touched = new Set<string>();
    for (const c of anchor.data.changed) {
      if (only !== undefined && c.stream !== only) continue;
      recorded.set(c.stream, c.position, c.hash);
      touched.add(c.stream);
    }
    for (const [streamId, c] of bucket) {
      if (only !== undefined && streamId !== only) continue;
      const current = found.get(streamId);
      if (!current || current.position < c.position) {
        found.set(streamId, c.position, c.hash);
        touched.add(streamId);
      }
    }
    for (const streamId of touched) {
      if (problems.has(streamId)) continue;
      const want = recorded.get(streamId);
      const have = found.get(streamId);
      const problem = headProblem(anchor.data.day, want, have);
      if (problem) problems.set(streamId, { streamId, ...problem });
    }
    if (only === undefined) {
      if (found.root() === anchor.data.root) matched++;
      else if (![...touched].some((s) => problems.has(s))) {
        problems.set(ANCHOR_STREAM, {
          streamId: ANCHOR_STREAM,
          position: anchor.position,
          reason: `the anchor of ${anchor.data.day}: its root does not match the heads in the store, although every head it lists does`,
        });
      }
    }
  });
  return { problems: [...problems.values()], matched };
}

function headProblem(
  day: string,
  want: { position: number; hash: string } | undefined,
  have: { position: number; hash: string } | undefined,
): { position: number; reason: string } | undefined {
  if (want && !have) {
    return { position: 0, reason: `deleted: the anchor of ${day} recorded its head at position ${want.position}, the store has no event of it recorded by then` };
  }
  if (!want && have) {
    return { position: 0, reason: `not in the anchor of ${day}, yet the store has events of it recorded by then (position ${have.position}): inserted afterwards with a back-dated time` };
  }
  if (!want || !have) return undefined;
  if (have.position < want.position) {
    return { position: have.position + 1, reason: `truncated: the anchor of ${day} recorded its head at position ${want.position}, the store has only up to ${have.position}` };
  }
  if (have.position > want.position) {
    return { position: want.position + 1, reason: `the anchor of ${day} recorded its head at position ${want.position}, the store has events up to ${have.position} recorded by then: back-dated` };
  }
  if (have.hash !== want.hash) {
    return { position: want.position, reason: `the anchor of ${day} recorded another hash for position ${want.position}: history before it was rewritten` };
  }
  return undefined;
}

/** A stream's own hash chain, without anchors or witnesses: what a case view says about itself (cheap enough for every read). */
export interface StreamIntegrity {
  intact: boolean;
  /** The first position that cannot be trusted, and why. */
  problem: ChainProblem | null;
}

export function streamIntegrity(streamId: string, events: readonly VerifiableEvent[]): StreamIntegrity {
  const verifier = new RangeVerifier();
  for (const e of events) verifier.add(e);
  const problem = stitch([verifier.summary()]).problems.get(streamId) ?? null;
  return { intact: problem === null, problem };
}
