import { genesisHash, prepareChained, type ChainHead, type EventLog, type PreparedEvent } from '@onematter/engine';

/**
 * 办件编号: the short number a clerk reads out and an applicant writes down, e.g.
 * 20261205-000123 — the day of application (Beijing time) and its sequence that day.
 * Each day's numbers are a system stream (`$case-numbers-20261205`) appended at the
 * expected revision, so two windows never get the same number, and the number is
 * recorded in the case's CaseStarted: replaying the case gives it again.
 *
 * A process queues its requests and writes all that are waiting in one append, so a
 * rush of 500 windows costs a handful of commits and never races itself; only another
 * process writing the same day's stream makes an append retry.
 */
export const CASE_NUMBER_STREAM_PREFIX = '$case-numbers-';

/** The number's form: 8 digits of the day, a dash, 6 (or more) digits of the sequence. */
export const CASE_NUMBER = /^\d{8}-\d{6,}$/;

const beijingDay = (now: Date): string => new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');

/** Appends lost to other processes before giving up (each retry reads what they wrote). */
const MAX_ATTEMPTS = 50;
/** Requests written in one append at most. */
const MAX_BATCH = 500;

interface Request {
  caseId: string;
  now: Date;
  actor: string;
  resolve: (caseNumber: string) => void;
  reject: (error: unknown) => void;
}

export class CaseNumbers {
  private readonly heads = new Map<string, ChainHead>();
  private queue: Request[] = [];
  private draining = false;

  constructor(private readonly store: EventLog) {}

  /** A new number for the case, durable before it is returned. */
  allocate(caseId: string, now: Date, actor: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ caseId, now, actor, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // One day per append: the requests of the first one's day, in arrival order.
        const day = beijingDay(this.queue[0]!.now);
        const batch = this.queue.filter((r) => beijingDay(r.now) === day).slice(0, MAX_BATCH);
        this.queue = this.queue.filter((r) => !batch.includes(r));
        try {
          const numbers = await this.write(day, batch);
          batch.forEach((r, i) => r.resolve(numbers[i]!));
        } catch (error) {
          for (const r of batch) r.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async write(day: string, batch: readonly Request[]): Promise<string[]> {
    const streamId = `${CASE_NUMBER_STREAM_PREFIX}${day}`;
    let head = this.heads.get(streamId) ?? { revision: -1, hash: genesisHash(streamId) };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const newer = await this.store.readStream(streamId, { fromPosition: head.revision + 1 });
      const last = newer[newer.length - 1];
      if (last) head = { revision: last.position, hash: last.hash };
      const events: PreparedEvent[] = [];
      let at = head;
      for (const r of batch) {
        const caseNumber = `${day}-${String(at.revision + 2).padStart(6, '0')}`;
        const [event] = prepareChained(streamId, at, [{ type: 'CaseNumberAllocated', data: { caseId: r.caseId, caseNumber, at: r.now.toISOString() } }], r.actor, r.now.toISOString());
        events.push(event!);
        at = { revision: event!.position, hash: event!.hash };
      }
      const r = await this.store.append({ streamId, events, expectedRevision: head.revision });
      if (r.ok) {
        // Yesterday's stream is not needed any more.
        this.heads.clear();
        this.heads.set(streamId, at);
        return events.map((e) => (e.data as { caseNumber: string }).caseNumber);
      }
    }
    throw new Error(`${streamId}: gave up allocating a case number after ${MAX_ATTEMPTS} appends lost to other writers`);
  }
}
