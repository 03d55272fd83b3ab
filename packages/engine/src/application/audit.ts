import { prepareChained } from '../audit/prepare.js';
import {
  ANCHOR_GRACE_MS,
  HeadSet,
  anchorCutoff,
  buildAnchor,
  isAnchorDay,
  latestAnchorableDay,
  type AnchorHead,
  type DailyAnchorRecorded,
} from '../audit/anchors.js';
import { ANCHOR_STREAM, isSystemStream } from '../audit/streams.js';
import { RangeVerifier, checkAnchors, stitch, type ChainProblem, type GlobalGap, type RangeSummary, type RecordedAnchor } from '../audit/verifier.js';
import type { EventStore, StoredEvent, StreamRevision } from '../ports.js';
import { canonicalize } from '../audit/canonical.js';
import { snapshotOf } from '../case/snapshot.js';
import { initialCaseState, type CaseState } from '../case/state.js';
import type { MatterCatalogue } from '../definition/catalogue.js';
import { foldStored } from './handleCommand.js';
import type { CaseSnapshots } from './snapshots.js';

/**
 * The auditor's operations on a store, through the EventStore port: read-only,
 * except recording an anchor. The API routes, the CLI and the benchmark all call
 * these, so what a test proves about them holds for each.
 */

export interface AnchorsRead {
  /** Anchors in day order, as recorded. */
  anchors: RecordedAnchor[];
  /** Anchor events that cannot be used (malformed, or not after the one before). */
  problems: ChainProblem[];
}

/** Reads the anchor stream. Its hash chain is checked with the other streams. */
export async function readAnchors(store: EventStore): Promise<AnchorsRead> {
  return anchorsFrom(await store.readStream(ANCHOR_STREAM));
}

function anchorsFrom(events: readonly StoredEvent[]): AnchorsRead {
  const anchors: RecordedAnchor[] = [];
  const problems: ChainProblem[] = [];
  for (const e of events) {
    if (e.type !== 'DailyAnchorRecorded') continue;
    const data = e.data as DailyAnchorRecorded['data'];
    const last = anchors[anchors.length - 1];
    if (!data || typeof data.day !== 'string' || !isAnchorDay(data.day) || !Array.isArray(data.changed) || typeof data.root !== 'string') {
      problems.push({ streamId: ANCHOR_STREAM, position: e.position, reason: 'the anchor is malformed' });
    } else if (last && data.day <= last.data.day) {
      problems.push({ streamId: ANCHOR_STREAM, position: e.position, reason: `the anchor of ${data.day} does not come after the anchor of ${last.data.day}` });
    } else {
      anchors.push({ position: e.position, data });
    }
  }
  return { anchors, problems };
}

export const anchorCutoffs = (read: AnchorsRead): string[] => read.anchors.map((a) => anchorCutoff(a.data.day));

export interface StoreVerification {
  /** Streams seen, cases and system streams together. */
  streams: number;
  cases: number;
  events: number;
  anchors: number;
  /** Anchored days whose root the store reproduces. */
  anchorsMatched: number;
  latestAnchor: { day: string; root: string } | null;
  /** One per broken stream: the first position that cannot be trusted. Sorted by stream id. */
  problems: ChainProblem[];
  seconds: number;
}

/**
 * Scans the global order in (after, upTo] and checks it (see verifier.ts). One
 * worker's share of a verification; `verifyStore` runs it over everything.
 */
export async function scanRange(
  store: EventStore,
  options: { after: number; upTo: number; cutoffs: readonly string[]; pageSize?: number; onProgress?: (events: number) => void },
): Promise<RangeSummary> {
  const verifier = new RangeVerifier(options.cutoffs);
  const pageSize = options.pageSize ?? 2_000;
  // On a gapless store every position of the range must be there: a missing one was deleted.
  const gaps: GlobalGap[] | undefined = store.gaplessGlobalOrder ? [] : undefined;
  let expected = options.after + 1;
  let after = options.after;
  let seen = 0;
  while (after < options.upTo) {
    // Stored text when the store gives it: hashed as it is, without parsing.
    const page = store.readAllText ? await store.readAllText({ after, limit: pageSize }) : await store.readAll({ after, limit: pageSize });
    if (page.length === 0) break;
    for (const e of page) {
      if (e.globalPosition > options.upTo) break;
      if (gaps && e.globalPosition !== expected) gaps.push({ from: expected, to: e.globalPosition - 1 });
      expected = e.globalPosition + 1;
      verifier.add(e);
      seen++;
    }
    after = page[page.length - 1]!.globalPosition;
    options.onProgress?.(seen);
    if (page.length < pageSize) break;
  }
  if (gaps && expected <= options.upTo) gaps.push({ from: expected, to: options.upTo });
  return gaps ? { ...verifier.summary(), gaps } : verifier.summary();
}

/**
 * What is recorded beside the events, read BEFORE the scan's head: whatever a witness
 * holds then was committed with its events, so the streams it names must show them.
 */
export interface StoreWitnesses {
  /** The store's stream index (EventStore.readStreamIndex): each stream up to its revision. */
  index?: StreamRevision[];
  /** Streams another record names (the case list, a read model): each must still have events. */
  named?: { source: string; streamIds: readonly string[] };
}

/** The store's own witness, its stream index; callers add others (`named`). */
export async function readWitnesses(store: EventStore): Promise<StoreWitnesses> {
  return store.readStreamIndex ? { index: await store.readStreamIndex() } : {};
}

/**
 * Streams a witness names whose events the scan did not find (up to the indexed
 * revision): deleted whole, or cut off. Each is confirmed on the stream itself, which
 * shows events the scan's head did not cover yet (appended since, or not yet settled
 * on PostgreSQL).
 */
async function witnessProblems(store: EventStore, witnesses: StoreWitnesses, heads: ReadonlyMap<string, { position: number }>): Promise<ChainProblem[]> {
  const problems = new Map<string, ChainProblem>();
  for (const { streamId, revision } of witnesses.index ?? []) {
    const last = heads.get(streamId)?.position ?? -1;
    if (last >= revision) continue;
    if ((await store.readStream(streamId, { fromPosition: last + 1, maxCount: 1 })).length > 0) continue;
    problems.set(streamId, indexProblem(streamId, revision, last));
  }
  for (const streamId of witnesses.named?.streamIds ?? []) {
    if (heads.has(streamId) || problems.has(streamId)) continue;
    if ((await store.readStream(streamId, { maxCount: 1 })).length > 0) continue;
    problems.set(streamId, namedProblem(streamId, witnesses.named!.source));
  }
  return [...problems.values()];
}

const namedProblem = (streamId: string, source: string): ChainProblem => ({ streamId, position: 0, reason: `deleted: ${source} names it, and none of its events is left` });

const indexProblem = (streamId: string, revision: number, last: number): ChainProblem =>
  last < 0
    ? { streamId, position: 0, reason: `deleted: the store's stream index records its last position as ${revision}, and none of its events is left` }
    : { streamId, position: last + 1, reason: `cut off: the store's stream index records its last position as ${revision}, its events end at ${last}` };

/** Reported as the global log's problem: which stream the events belonged to is gone with them. */
export const GLOBAL_LOG = '$all';

function gapProblem(gaps: readonly GlobalGap[]): ChainProblem {
  const count = gaps.reduce((n, g) => n + g.to - g.from + 1, 0);
  const ranges = gaps.slice(0, 5).map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`));
  return {
    streamId: GLOBAL_LOG,
    position: gaps[0]!.from,
    reason:
      `deleted: ${count} ${count === 1 ? 'event is' : 'events are'} missing from the global order, which has no gaps in this store ` +
      `(global ${count === 1 ? 'position' : 'positions'} ${ranges.join(', ')}${gaps.length > 5 ? `, and ${gaps.length - 5} more ranges` : ''})`,
  };
}

/**
 * Stitches range summaries (in global order), checks the anchors against them, and
 * the store's own records (`witnesses`, read before the scan) against what was found.
 */
export async function concludeVerification(
  store: EventStore,
  read: AnchorsRead,
  witnesses: StoreWitnesses,
  summaries: readonly RangeSummary[],
  startedAt: number,
): Promise<StoreVerification> {
  const stitched = stitch(summaries, read.anchors.length);
  const anchorCheck = checkAnchors(read.anchors, stitched.buckets);
  const problems = new Map<string, ChainProblem>(stitched.problems);
  for (const p of [...read.problems, ...anchorCheck.problems, ...(await witnessProblems(store, witnesses, stitched.heads))]) {
    const known = problems.get(p.streamId);
    if (!known || p.position < known.position) problems.set(p.streamId, p);
  }
  const streams = new Set([...stitched.heads.keys(), ...problems.keys()]);
  const gaps = summaries.flatMap((r) => r.gaps ?? []);
  if (gaps.length > 0) problems.set(GLOBAL_LOG, gapProblem(gaps));
  const latest = read.anchors[read.anchors.length - 1];
  return {
    streams: streams.size,
    cases: [...streams].filter((s) => !isSystemStream(s)).length,
    events: stitched.events,
    anchors: read.anchors.length,
    anchorsMatched: anchorCheck.matched,
    latestAnchor: latest ? { day: latest.data.day, root: latest.data.root } : null,
    problems: [...problems.values()].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0)),
    seconds: (performance.now() - startedAt) / 1000,
  };
}

/** `audit verify --all` in this thread: every stream's chain, and every anchor. */
export async function verifyStore(
  store: EventStore,
  options: { pageSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<StoreVerification> {
  const startedAt = performance.now();
  const read = await readAnchors(store);
  const witnesses = await readWitnesses(store);
  const upTo = await store.headPosition();
  const summary = await scanRange(store, {
    after: 0,
    upTo,
    cutoffs: anchorCutoffs(read),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.onProgress ? { onProgress: (n: number) => options.onProgress!(n, upTo) } : {}),
  });
  return concludeVerification(store, read, witnesses, [summary], startedAt);
}

export interface CaseVerification {
  /** Nothing to distrust: the case is known, its chain and anchors hold, every snapshot matches. */
  intact: boolean;
  caseId: string;
  /** Events of the case in the store. */
  events: number;
  /** Anchors that recorded a head of this case. */
  anchored: number;
  /** The first position that cannot be trusted, if any. */
  problem: ChainProblem | null;
  /** The anchor stream's own problems, which make the anchor check of this case unreliable. */
  anchorProblems: ChainProblem[];
  /** Neither in the store (no event, no entry in its stream index, no other record naming it) nor in any anchor. */
  unknown: boolean;
  /** Case snapshots checked against a fold of the events (with `snapshots` given). */
  snapshotsChecked: number;
  /** Revisions whose snapshot is not what the events fold to: replays starting there would be wrong. */
  badSnapshots: number[];
}

/** `audit verify <caseId>`: the case's chain, and its heads against every anchor that names it. */
export async function verifyCase(
  store: EventStore,
  caseId: string,
  options: {
    catalogue?: MatterCatalogue;
    snapshots?: CaseSnapshots | undefined;
    /** Another record that names the case (e.g. "the case list (read model case-list)"), if one does. */
    namedBy?: string | undefined;
  } = {},
): Promise<CaseVerification> {
  const anchorEvents = await store.readStream(ANCHOR_STREAM);
  const read = anchorsFrom(anchorEvents);
  const cutoffs = anchorCutoffs(read);
  // The index before the events: whatever it records was committed with its events.
  const indexed = store.readStreamIndex ? (await store.readStreamIndex({ streamId: caseId }))[0] : undefined;
  const events = await store.readStream(caseId);
  const verifier = new RangeVerifier(cutoffs);
  for (const e of events) verifier.add(e);
  const stitched = stitch([verifier.summary()], read.anchors.length);
  const anchorCheck = checkAnchors(read.anchors, stitched.buckets, caseId);
  // The anchor stream's own chain: a broken one cannot vouch for anything.
  const anchorVerifier = new RangeVerifier();
  for (const e of anchorEvents) anchorVerifier.add(e);
  const anchorChain = stitch([anchorVerifier.summary()]);
  // The same witnesses as `verify --all`, for this one stream.
  const witnessed = await witnessProblems(
    store,
    { ...(indexed ? { index: [indexed] } : {}), ...(options.namedBy ? { named: { source: options.namedBy, streamIds: [caseId] } } : {}) },
    stitched.heads,
  );
  const candidates = [...stitched.problems.values(), ...anchorCheck.problems, ...witnessed].filter((p) => p.streamId === caseId);
  const problem = candidates.reduce<ChainProblem | null>((first, p) => (!first || p.position < first.position ? p : first), null);
  const anchored = read.anchors.filter((a) => a.data.changed.some((c) => c.stream === caseId)).length;
  const snapshots = options.snapshots && options.catalogue ? await checkSnapshots(options.catalogue, options.snapshots, caseId, events) : { checked: 0, bad: [] };
  const unknown = events.length === 0 && anchored === 0 && !indexed && !options.namedBy;
  return {
    intact: problem === null && !unknown && snapshots.bad.length === 0,
    snapshotsChecked: snapshots.checked,
    badSnapshots: snapshots.bad,
    caseId,
    events: events.length,
    anchored,
    problem,
    anchorProblems: [...anchorChain.problems.values(), ...read.problems],
    unknown,
  };
}

export type AnchorOutcome =
  | { kind: 'recorded'; anchor: DailyAnchorRecorded['data']; position: number }
  | { kind: 'already-anchored'; anchor: DailyAnchorRecorded['data'] }
  /** The day is not over (plus the grace period). */
  | { kind: 'too-early'; day: string; latest: string }
  /** A later day is anchored already: anchors only move forward. */
  | { kind: 'behind'; day: string; last: string }
  /** No stream has an event before the day's cutoff. */
  | { kind: 'empty'; day: string }
  /** The store lost heads the previous anchors recorded: anchoring would hide it. */
  | { kind: 'inconsistent'; day: string; lost: AnchorHead[] };

/**
 * Records the anchor of `day` (default: the last day that ended, after the grace
 * period) in the anchor stream. Safe to run from several processes at once: the
 * append expects the anchor stream's revision, and a loser re-reads and finds the
 * day anchored.
 */
export async function recordDailyAnchor(
  store: EventStore,
  options: { now: Date; day?: string; actor?: string; graceMs?: number },
): Promise<AnchorOutcome> {
  const latest = latestAnchorableDay(options.now, options.graceMs ?? ANCHOR_GRACE_MS);
  const day = options.day ?? latest;
  if (!isAnchorDay(day)) throw new RangeError(`not a calendar date: ${JSON.stringify(day)}`);
  if (day > latest) return { kind: 'too-early', day, latest };
  for (let attempt = 0; attempt < 10; attempt++) {
    const events = await store.readStream(ANCHOR_STREAM);
    const { anchors } = anchorsFrom(events);
    const last = anchors[anchors.length - 1];
    if (last && last.data.day === day) return { kind: 'already-anchored', anchor: last.data };
    if (last && last.data.day > day) return { kind: 'behind', day, last: last.data.day };
    const previous = new HeadSet();
    for (const a of anchors) for (const c of a.data.changed) previous.set(c.stream, c.position, c.hash);
    const heads = (await store.readStreamHeads({ before: anchorCutoff(day) })).filter((h) => h.streamId !== ANCHOR_STREAM);
    if (heads.length === 0) return { kind: 'empty', day };
    const built = buildAnchor(day, heads, previous, last?.data.day ?? null, options.now.toISOString());
    if (!built.ok) return { kind: 'inconsistent', day, lost: built.lost };
    const lastEvent = events[events.length - 1];
    const head = lastEvent ? { revision: lastEvent.position, hash: lastEvent.hash } : undefined;
    const [prepared] = prepareChained(ANCHOR_STREAM, head, [{ type: 'DailyAnchorRecorded', data: built.data }], options.actor ?? 'system:anchor', built.data.at);
    const r = await store.append({ streamId: ANCHOR_STREAM, events: [prepared!], expectedRevision: head?.revision ?? -1 });
    if (r.ok) return { kind: 'recorded', anchor: built.data, position: prepared!.position };
  }
  throw new Error('anchor: gave up after repeated concurrent writes');
}

/** Folds the events once and compares each snapshot with the state at its revision. */
async function checkSnapshots(catalogue: MatterCatalogue, snapshots: CaseSnapshots, caseId: string, events: readonly StoredEvent[]): Promise<{ checked: number; bad: number[] }> {
  const docs = await snapshots.all(caseId);
  const bad: number[] = [];
  let state: CaseState = initialCaseState();
  let folded = 0;
  for (const doc of docs) {
    const upTo = events.findIndex((e) => e.position === doc.revision);
    if (upTo < folded) {
      bad.push(doc.revision);
      continue;
    }
    try {
      state = foldStored(catalogue, state, events.slice(folded, upTo + 1));
    } catch {
      bad.push(doc.revision);
      break;
    }
    folded = upTo + 1;
    const expected = state.kind === 'started' ? canonicalize(snapshotOf(state, events[upTo]!.recordedAt)) : undefined;
    if (expected !== canonicalize(doc)) bad.push(doc.revision);
  }
  return { checked: docs.length, bad };
}
