import { genesisHash, prepareChained, type EventLog } from '@onematter/engine';

/**
 * 办件编号: the short number a clerk reads out and an applicant writes down, e.g.
 * 20261205-000123 — the day of application (Beijing time) and its sequence that day.
 * Each day's numbers are a system stream (`$case-numbers-20261205`) appended at the
 * expected revision, so two windows never get the same number, and the number is
 * recorded in the case's CaseStarted: replaying the case gives it again.
 */
export const CASE_NUMBER_STREAM_PREFIX = '$case-numbers-';

/** The number's form: 8 digits of the day, a dash, 6 (or more) digits of the sequence. */
export const CASE_NUMBER = /^\d{8}-\d{6,}$/;

const beijingDay = (now: Date): string => new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');

export class CaseNumbers {
  private readonly heads = new Map<string, { revision: number; hash: string }>();

  constructor(private readonly store: EventLog) {}

  /** A new number for the case, durable before it is returned. */
  async allocate(caseId: string, now: Date, actor: string): Promise<string> {
    const day = beijingDay(now);
    const streamId = `${CASE_NUMBER_STREAM_PREFIX}${day}`;
    for (let attempt = 0; attempt < 50; attempt++) {
      let head = this.heads.get(streamId) ?? { revision: -1, hash: genesisHash(streamId) };
      const newer = await this.store.readStream(streamId, { fromPosition: head.revision + 1 });
      const last = newer[newer.length - 1];
      if (last) head = { revision: last.position, hash: last.hash };
      const caseNumber = `${day}-${String(head.revision + 2).padStart(6, '0')}`;
      const [event] = prepareChained(streamId, head, [{ type: 'CaseNumberAllocated', data: { caseId, caseNumber, at: now.toISOString() } }], actor, now.toISOString());
      const r = await this.store.append({ streamId, events: [event!], expectedRevision: head.revision });
      if (r.ok) {
        this.heads.set(streamId, { revision: event!.position, hash: event!.hash });
        // Yesterday's stream is not needed any more.
        for (const k of this.heads.keys()) if (k !== streamId) this.heads.delete(k);
        return caseNumber;
      }
      this.heads.set(streamId, head);
    }
    throw new Error(`${streamId}: gave up allocating a case number after repeated concurrent writes`);
  }
}
