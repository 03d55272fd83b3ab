import type { StreamHead, Witnesses } from '@onematter/engine';
import type { KurrentDbConnection, StoredMetadata } from './schema.js';

/** What the KurrentDB store offers an auditor: stream heads (no raw text, no stream index). */
export class KurrentDbWitnesses implements Witnesses {
  constructor(private readonly kdb: KurrentDbConnection) {}

  /** A scan of $all: KurrentDB has no index of stream heads by time. */
  async readStreamHeads(options: { before?: string } = {}): Promise<StreamHead[]> {
    this.kdb.assertOpen();
    const heads = new Map<string, StreamHead>();
    for await (const resolved of this.kdb.readAllFrom(0)) {
      const e = resolved.event!;
      const meta = e.metadata as unknown as StoredMetadata;
      if (options.before !== undefined && !(meta.recordedAt < options.before)) continue;
      const streamId = e.streamId.slice(this.kdb.casePrefix.length);
      const position = Number(e.revision);
      const known = heads.get(streamId);
      if (!known || position > known.position) heads.set(streamId, { streamId, position, hash: meta.hash });
    }
    return [...heads.values()];
  }
}
