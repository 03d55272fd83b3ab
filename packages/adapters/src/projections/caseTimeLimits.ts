import {
  CASE_EVENT_TYPES,
  COMPLAINT_LOOP,
  timeLimitPlanOf,
  emptyAftercare,
  evolveAftercare,
  evolveTimeLimitFacts,
  evolveModes,
  startTimeLimitFacts,
  startModes,
  type CaseEvent,
  type CaseStarted,
  type EventStore,
  type MatterCatalogue,
  type StoredEvent,
  type TrackedCase,
  type TrackedCases,
} from '@onematter/engine';
import { LogFollower, type LogSubscriber } from './logFollower.js';

const AFTERCARE = new Set<string>(['ResultsIssued', 'ReviewSubmitted', 'RectificationOpened', 'RectificationClosed']);

const KNOWN = new Set<string>(CASE_EVENT_TYPES);

/**
 * The clock facts of every case, following the store's global position (like the
 * case list). It folds the same `evolveTimeLimitFacts` as the case state, so the
 * scheduler, the supervision API and `GET /cases/:id` read one truth. A projection,
 * not the truth: it is rebuilt from the events on every start.
 */
export class CaseTimeLimitProjection implements LogSubscriber, TrackedCases {
  readonly name = 'case-clocks';
  readonly cases = new Map<string, TrackedCase>();
  private checkpoint = 0;
  private readonly listeners: ((c: TrackedCase) => void)[] = [];
  private readonly follower: LogFollower;

  constructor(
    store: EventStore,
    private readonly catalogue: MatterCatalogue,
    /** Events per read: small enough that a batch dies young (1,000 keeps RSS at half of 5,000 for 100k cases). */
    batchSize = 1000,
    /** The process's log follower (it then follows in the background too); without one it reads the store on its own. */
    follower?: LogFollower,
  ) {
    this.follower = follower ?? new LogFollower({ store, batchSize });
    this.follower.add(this, { batchSize });
  }

  get position(): number {
    return this.checkpoint;
  }

  /** Called for every case an applied event changed. */
  onChange(listener: (c: TrackedCase) => void): void {
    this.listeners.push(listener);
  }

  /** Applies every event readable now; concurrent callers share one pass. */
  catchUp(): Promise<void> {
    return this.follower.catchUp(this, 0, 60_000);
  }

  /** For the follower: a batch of events after the checkpoint. */
  async handle(events: readonly StoredEvent[]): Promise<void> {
    for (const e of events) this.apply(e);
    this.checkpoint = events[events.length - 1]!.globalPosition;
  }

  apply(e: StoredEvent): void {
    if (!KNOWN.has(e.type)) return;
    const event = { type: e.type, data: e.data } as CaseEvent;
    let c: TrackedCase | undefined;
    if (event.type === 'CaseStarted') {
      const matter = this.catalogue.get(event.data.matter, event.data.matterVersion);
      if (!matter) return;
      c = {
        caseId: e.streamId,
        position: e.globalPosition,
        plan: timeLimitPlanOf(matter.definition),
        facts: startTimeLimitFacts(event as CaseStarted),
        modes: startModes(event as CaseStarted),
      };
      if (event.data.matter === COMPLAINT_LOOP.matter) {
        const responsible = event.data.form[COMPLAINT_LOOP.responsibleField];
        c.complaint = { responsibleDepartment: typeof responsible === 'string' ? responsible : null };
      }
      this.cases.set(e.streamId, c);
    } else {
      c = this.cases.get(e.streamId);
      if (!c) return;
      c.modes = evolveModes(c.modes, event);
      // After completion: no clock moves (listeners, such as the scheduler, are not told).
      if (AFTERCARE.has(event.type)) {
        c.aftercare = evolveAftercare(c.aftercare ?? emptyAftercare(), event);
        return;
      }
      if (c.complaint && event.type === 'DecisionRecorded' && event.data.step === COMPLAINT_LOOP.followUpStep && event.data.decision === 'approved') {
        const answer = event.data.output?.[COMPLAINT_LOOP.satisfactionField];
        if (typeof answer === 'string') c.complaint = { ...c.complaint, satisfaction: answer };
      }
      const facts = evolveTimeLimitFacts(c.facts, event);
      if (facts === c.facts) return;
      c.facts = facts;
    }
    for (const l of this.listeners) l(c);
  }
}
