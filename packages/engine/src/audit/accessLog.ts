import type { Clock, EventStore } from '../ports.js';
import { anchorDayOf } from './anchors.js';
import { prepareChained } from './prepare.js';
import { accessLogStream } from './streams.js';

/**
 * Who read which case, when and why. Auditors may read everything but change
 * nothing; what they do read is itself recorded, in a hash-chained stream per
 * China calendar day ($access-log-YYYY-MM-DD), which the daily anchors cover like
 * any case. A read is recorded before the data is handed out: if the record cannot
 * be written, the read is refused.
 */
export interface CaseRead {
  type: 'CaseRead';
  data: {
    /** The case read; '*' for a read of every case (verify --all). */
    caseId: string;
    actor: string;
    reason?: string;
    /** What was read: an HTTP route or a CLI command. */
    route: string;
    at: string;
  };
}

/**
 * A credential refused because its record in the store does not verify (an access key
 * or an account whose events were edited, deleted or rewritten): someone with write
 * access to the store tried to change who may do what.
 */
export interface TamperedRecordRefused {
  type: 'TamperedRecordRefused';
  data: {
    /** What was refused: `key k_…` or `account <user name>`. */
    subject: string;
    /** The stream and first position of the record that does not verify, and why. */
    streamId: string;
    position: number;
    reason: string;
    /** Where it was presented: an HTTP route. */
    route: string;
    /** Who recorded the refusal (the server). */
    actor: string;
    at: string;
  };
}

export type AccessLogEvent = CaseRead | TamperedRecordRefused;

/** Who reads and why: from the X-Actor header or the CLI's flags today, from the signed-in identity later. */
export interface Reader {
  actor: string;
  reason?: string;
}

export class AccessLog {
  /** The last known head of each day's stream; a lost race re-reads it. */
  private readonly heads = new Map<string, { revision: number; hash: string }>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  /** Records one read; resolves when it is durable. Reads are recorded one after another. */
  record(read: Reader & { caseId: string; route: string }): Promise<CaseRead> {
    return this.enqueue(read.actor, (at) => ({
      type: 'CaseRead',
      data: { caseId: read.caseId, actor: read.actor, ...(read.reason ? { reason: read.reason } : {}), route: read.route, at },
    }));
  }

  /** Records a credential refused because its record does not verify; resolves when it is durable. */
  recordTampered(refusal: Omit<TamperedRecordRefused['data'], 'at'>): Promise<TamperedRecordRefused> {
    return this.enqueue(refusal.actor, (at) => ({ type: 'TamperedRecordRefused', data: { ...refusal, at } }));
  }

  private enqueue<E extends AccessLogEvent>(actor: string, event: (at: string) => E): Promise<E> {
    const run = this.queue.then(() => this.append(actor, event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async append<E extends AccessLogEvent>(actor: string, build: (at: string) => E): Promise<E> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const now = this.clock.now();
      const at = now.toISOString();
      const streamId = accessLogStream(anchorDayOf(now));
      const head = this.heads.get(streamId) ?? (await this.readHead(streamId));
      const event = build(at);
      const [prepared] = prepareChained(streamId, head, [event], actor, at);
      const r = await this.store.append({ streamId, events: [prepared!], expectedRevision: head?.revision ?? -1 });
      if (r.ok) {
        this.heads.set(streamId, { revision: prepared!.position, hash: prepared!.hash });
        // Keep only today's head: yesterday's stream is never written again.
        for (const s of this.heads.keys()) if (s !== streamId) this.heads.delete(s);
        return event;
      }
      this.heads.delete(streamId);
    }
    throw new Error('access log: gave up after repeated concurrent writes');
  }

  private async readHead(streamId: string): Promise<{ revision: number; hash: string } | undefined> {
    const known = this.heads.get(streamId);
    const events = await this.store.readStream(streamId, { fromPosition: known ? known.revision + 1 : 0 });
    const last = events[events.length - 1];
    return last ? { revision: last.position, hash: last.hash } : known;
  }
}
