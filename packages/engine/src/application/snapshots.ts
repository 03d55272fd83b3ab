import { snapshotOf, type CaseSnapshot } from '../case/snapshot.js';
import type { StartedCase } from '../case/state.js';
import type { ReadModelStore } from '../ports.js';

/** The read model that keeps case snapshots. */
export const SNAPSHOT_PROJECTION = 'case-snapshots';
/** A snapshot every this many events of a case. */
export const SNAPSHOT_EVERY = 1_000;

/** Where a replay stops (a ReplayPoint): every event recorded at or before a moment, or up to a position. */
export type SnapshotPoint = { asOf?: string | undefined; position?: number | undefined };

/**
 * Case snapshots, kept as documents of a read model in the store's own database
 * (key `<caseId>@<revision>`, ordered by revision, tagged with the case). The
 * command handler saves one whenever a case passes a multiple of `every` events;
 * replays start from the latest one at or before their point. They are a cache:
 * `projections rebuild` may drop them, a replay without them folds every event,
 * and `audit verify <caseId>` checks each against a fold of the events.
 */
export class CaseSnapshots {
  constructor(
    private readonly readModels: ReadModelStore,
    readonly every: number = SNAPSHOT_EVERY,
  ) {
    if (!Number.isInteger(every) || every < 1) throw new RangeError('snapshot interval must be a positive integer');
  }

  /** Whether appending took a case from revision `before` to `after` across a multiple of `every` events. */
  due(before: number, after: number): boolean {
    return Math.floor((after + 1) / this.every) > Math.floor((before + 1) / this.every);
  }

  async save(state: StartedCase, recordedAt: string): Promise<void> {
    await this.keep(snapshotOf(state, recordedAt));
  }

  /** Keeps a snapshot taken elsewhere (a copy of another store's, say). */
  async keep(doc: CaseSnapshot): Promise<void> {
    // No checkpoint: snapshots are not a projection of the log. Saving one again writes the same document.
    const checkpoint = await this.readModels.readModelCheckpoint(SNAPSHOT_PROJECTION);
    await this.readModels.commitReadModel(SNAPSHOT_PROJECTION, {
      expected: checkpoint,
      checkpoint,
      upserts: [{ key: `${doc.caseId}@${doc.revision}`, position: doc.revision, tags: [caseTag(doc.caseId)], doc }],
      deletes: [],
    });
  }

  /** The latest snapshot of the case at or before the point, if any. */
  async latest(caseId: string, at: SnapshotPoint = {}): Promise<CaseSnapshot | undefined> {
    // A snapshot of a long case is large: read one at a time unless a moment has to be searched for.
    const limit = at.asOf === undefined ? 1 : 4;
    for await (const doc of this.newestFirst(caseId, at.position !== undefined ? at.position + 1 : undefined, limit)) {
      if (at.asOf === undefined || Date.parse(doc.recordedAt) <= Date.parse(at.asOf)) return doc;
    }
    return undefined;
  }

  /** Every snapshot of the case, oldest first (for verification). */
  async all(caseId: string): Promise<CaseSnapshot[]> {
    const docs: CaseSnapshot[] = [];
    for await (const doc of this.newestFirst(caseId, undefined, 100)) docs.push(doc);
    return docs.reverse();
  }

  /** The case's snapshots below revision `before` (all if undefined), newest first, read `limit` at a time. */
  private async *newestFirst(caseId: string, before: number | undefined, limit: number): AsyncGenerator<CaseSnapshot> {
    for (;;) {
      const page = await this.readModels.queryDocuments(SNAPSHOT_PROJECTION, { tags: [caseTag(caseId)], ...(before !== undefined ? { before } : {}), limit });
      for (const d of page) yield d.doc as CaseSnapshot;
      if (page.length < limit) return;
      before = page[page.length - 1]!.position;
    }
  }
}

const caseTag = (caseId: string) => `case:${caseId}`;
