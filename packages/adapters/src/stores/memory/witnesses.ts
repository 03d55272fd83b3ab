import type { StreamHead, Witnesses } from '@onematter/engine';
import type { MemoryDatabase, Row } from './schema.js';

/** What the memory store offers an auditor: stream heads, and a global order without gaps. */
export class MemoryWitnesses implements Witnesses {
  /** Positions are the log's length plus one: a gap is a deletion. */
  readonly gaplessGlobalOrder = true;

  constructor(private readonly db: MemoryDatabase) {}

  async readStreamHeads(options: { before?: string } = {}): Promise<StreamHead[]> {
    this.db.assertOpen();
    const heads: StreamHead[] = [];
    for (const [streamId, rows] of this.db.streams) {
      let head: Row | undefined;
      for (const r of rows) if ((options.before === undefined || r.recordedAt < options.before) && (!head || r.position > head.position)) head = r;
      if (head) heads.push({ streamId, position: head.position, hash: head.hash });
    }
    return heads;
  }
}
