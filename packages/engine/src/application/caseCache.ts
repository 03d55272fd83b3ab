import type { StartedCase } from '../case/state.js';

/**
 * Recently used case folds, keyed by case id and stamped with their revision.
 * Re-folding a whole stream on every command would cap throughput (one XState
 * transition costs tens of microseconds), so the handler folds only newer events.
 * A Map keeps insertion order, which makes it a small LRU.
 */
export class CaseCache {
  private readonly entries = new Map<string, StartedCase>();

  constructor(private readonly capacity: number) {}

  get(caseId: string): StartedCase | undefined {
    const s = this.entries.get(caseId);
    if (s) {
      this.entries.delete(caseId);
      this.entries.set(caseId, s);
    }
    return s;
  }

  set(caseId: string, state: StartedCase): void {
    const current = this.entries.get(caseId);
    // Never replace a newer fold with an older one (two commands may finish out of order).
    if (current && current.revision > state.revision) return;
    this.entries.delete(caseId);
    this.entries.set(caseId, state);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(caseId: string): void {
    this.entries.delete(caseId);
  }
}
