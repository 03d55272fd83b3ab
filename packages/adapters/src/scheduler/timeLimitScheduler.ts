import {
  DEFAULT_TIME_LIMIT_POLICY,
  timeLimitPlanOf,
  nextTimerAt,
  pendingTimers,
  taskIdOf,
  type CaseCommand,
  type CaseState,
  type Clock,
  type CommandHandler,
  type TimeLimitPolicy,
  type TimeLimitTimer,
  type TrackedCase,
  type WorkingCalendar,
} from '@onematter/engine';
import type { CaseTimeLimitProjection } from '../projections/caseTimeLimits.js';
import { TimerHeap } from './timerHeap.js';

export interface TimeLimitSchedulerOptions {
  projection: CaseTimeLimitProjection;
  handler: CommandHandler;
  /** Read at every use: a getter may hand out a calendar that changes (see calendarChanged). */
  calendar: WorkingCalendar;
  /** The clock port: the scheduler never reads the wall clock (tests pass a manual one). */
  clock: Clock;
  policy?: TimeLimitPolicy;
  /** How often, in real milliseconds, it reads new events and fires what is due. Default 1000. */
  pollIntervalMs?: number;
  /** Cases whose timers are fired at the same time. Default 16. */
  concurrency?: number;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface SchedulerStatus {
  running: boolean;
  /** Cases the projection follows. */
  cases: number;
  /** Cases with a timer armed. */
  armed: number;
  /** The earliest armed timer. */
  nextAt: string | null;
  /** Passes completed since start (catch up, re-arm, fire). */
  passes: number;
  /** Time-limit commands that appended events, were no-ops, or failed, since start. */
  fired: number;
  noops: number;
  failed: number;
  rebuild: { ms: number; cases: number; armed: number } | null;
}

/**
 * Durable time-limit timers (黄灯 / 红灯). Nothing is kept but the events: on start
 * the scheduler folds the whole log into clock facts (a projection over
 * `store.readAll`) and arms, per case, its earliest unrecorded timer; after that it
 * follows new events. A due timer becomes a `RecordTimeLimit` command through the
 * command handler, whose decide is idempotent, so a second process or a restart
 * records each warning and exceedance once (optimistic concurrency settles a race),
 * and a timer missed while the server was down fires late at the next start.
 * It does not use xstate `after`: those are not restored from persisted snapshots.
 */
export class TimeLimitScheduler {
  private readonly heap = new TimerHeap();
  /** The armed timer of each case; heap entries of an older generation are stale. */
  private readonly armed = new Map<string, { at: number; gen: number }>();
  private readonly dirty = new Set<string>();
  /** Cases whose due timers came back as no-ops repeatedly: not re-armed until they change. */
  private readonly stuck = new Set<string>();
  private readonly noopStreak = new Map<string, number>();
  private gen = 0;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private ticking?: Promise<number>;
  private readonly counts = { passes: 0, fired: 0, noops: 0, failed: 0 };
  private rebuilt: SchedulerStatus['rebuild'] = null;
  private readonly policy: TimeLimitPolicy;

  constructor(private readonly o: TimeLimitSchedulerOptions) {
    this.policy = o.policy ?? DEFAULT_TIME_LIMIT_POLICY;
    o.projection.onChange((c) => {
      this.dirty.add(c.caseId);
      this.stuck.delete(c.caseId);
      this.noopStreak.delete(c.caseId);
    });
  }

  /** Rebuilds the schedule from the events, then fires what is due and follows new events. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.rebuild();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.ticking;
  }

  /**
   * The calendar changed (a notice was imported): every open clock is derived again, so a
   * timer armed on a predicted due date moves to the published one.
   */
  calendarChanged(): void {
    for (const caseId of this.o.projection.cases.keys()) {
      this.dirty.add(caseId);
      this.stuck.delete(caseId);
    }
    this.wake?.();
  }

  /** New events may change a deadline: look now rather than at the next poll. */
  notify(): void {
    this.wake?.();
  }

  /** Reads the log from the projection's checkpoint and arms every case it touched: the start-up cost. */
  async rebuild(): Promise<{ ms: number; cases: number; armed: number }> {
    const t0 = performance.now();
    await this.o.projection.catchUp();
    this.armDirty();
    this.rebuilt = { ms: performance.now() - t0, cases: this.o.projection.cases.size, armed: this.armed.size };
    return this.rebuilt;
  }

  /** One pass: catch up with the log, re-arm what changed, fire what is due. Resolves with the records appended. */
  tick(): Promise<number> {
    // Passes never overlap: a caller during one waits for it and runs the next.
    const previous = this.ticking ?? Promise.resolve(0);
    const next = previous.then(() => this.runTick(), () => this.runTick());
    this.ticking = next;
    return next;
  }

  status(): SchedulerStatus {
    const top = this.heap.peek();
    return {
      running: this.running,
      cases: this.o.projection.cases.size,
      armed: this.armed.size,
      nextAt: top ? new Date(top.at).toISOString() : null,
      ...this.counts,
      rebuild: this.rebuilt,
    };
  }

  private async runTick(): Promise<number> {
    await this.o.projection.catchUp();
    this.armDirty();
    const now = this.o.clock.now().getTime();
    const due: string[] = [];
    for (let top = this.heap.peek(); top && top.at <= now; top = this.heap.peek()) {
      this.heap.pop();
      const current = this.armed.get(top.caseId);
      if (!current || current.gen !== top.gen) continue;
      this.armed.delete(top.caseId);
      due.push(top.caseId);
    }
    let appended = 0;
    let next = 0;
    const worker = async () => {
      while (next < due.length) appended += await this.fireCase(due[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 16, due.length) }, worker));
    this.counts.passes++;
    return appended;
  }

  private armDirty(): void {
    if (this.dirty.size === 0) return;
    const now = this.o.clock.now();
    for (const id of this.dirty) this.arm(id, now);
    this.dirty.clear();
    // Re-arming leaves stale entries behind; rebuild the heap when they dominate it.
    if (this.heap.size > 2 * this.armed.size + 1024) this.heap.rebuild([...this.armed].map(([caseId, a]) => ({ caseId, ...a })));
  }

  private arm(caseId: string, now: Date): void {
    const c = this.o.projection.cases.get(caseId);
    const at = c && !this.stuck.has(caseId) ? nextTimerAt(c.plan, c.facts, this.o.calendar, now, this.policy) : null;
    if (at === null) {
      this.armed.delete(caseId);
      return;
    }
    if (this.armed.get(caseId)?.at === at) return;
    const gen = ++this.gen;
    this.armed.set(caseId, { at, gen });
    this.heap.push({ at, caseId, gen });
  }

  private timersOf(c: TrackedCase, now: Date): TimeLimitTimer[] {
    return pendingTimers(c.plan, c.facts, this.o.calendar, now, this.policy);
  }

  /** Records the case's due timers, one command each; exceedances first, superseded warnings dropped. */
  private async fireCase(caseId: string): Promise<number> {
    const c = this.o.projection.cases.get(caseId);
    if (!c) return 0;
    const now = this.o.clock.now();
    const due = this.timersOf(c, now).filter((t) => Date.parse(t.firesAt) <= now.getTime());
    const red = new Set(due.filter((t) => t.kind === 'exceeded').map((t) => `${t.scope}:${t.step ?? ''}:${t.limit}:${t.dueAt}`));
    const toFire = [...due.filter((t) => t.kind === 'exceeded'), ...due.filter((t) => t.kind === 'warning' && !red.has(`${t.scope}:${t.step ?? ''}:${t.limit}:${t.dueAt}`))];
    let appended = 0;
    let noops = 0;
    try {
      // Another process may have written since our cached fold: start from the store.
      await this.o.handler.loadLatest(caseId);
      for (const t of toFire) {
        const r = await this.o.handler.execute(caseId, (at, state) => this.recordCommand(caseId, t, at, state), 'scheduler');
        if (!r.ok) {
          this.counts.failed++;
          this.o.log?.error({ caseId, timer: t.key, error: r.error }, 'time-limit scheduler: could not record a timer, will retry');
        } else if (r.value.appended > 0) {
          this.counts.fired++;
          appended++;
        } else {
          this.counts.noops++;
          noops++;
        }
      }
    } catch (error) {
      this.counts.failed++;
      this.o.log?.error({ caseId, err: error }, 'time-limit scheduler: firing failed, will retry');
    }
    if (appended === 0 && noops > 0) {
      const streak = (this.noopStreak.get(caseId) ?? 0) + 1;
      this.noopStreak.set(caseId, streak);
      if (streak >= 3) {
        this.stuck.add(caseId);
        this.o.log?.warn({ caseId }, 'time-limit scheduler: due timers keep coming back as no-ops; waiting for the case to change');
      }
    } else if (appended > 0) this.noopStreak.delete(caseId);
    // Re-arm after the next catch-up, which sees what was just recorded.
    this.dirty.add(caseId);
    return appended;
  }

  /** The command for a timer, recomputed from the freshly loaded state (a pause may have moved it). */
  private recordCommand(caseId: string, t: TimeLimitTimer, now: string, state: CaseState): CaseCommand | null {
    if (state.kind !== 'started') return null;
    const fresh = pendingTimers(timeLimitPlanOf(state.matter.definition), state.clock, this.o.calendar, new Date(now), this.policy).find(
      (x) => x.kind === t.kind && x.scope === t.scope && x.step === t.step && x.limit === t.limit,
    );
    if (!fresh) return null;
    return {
      type: 'RecordTimeLimit',
      data: {
        kind: fresh.kind,
        scope: fresh.scope,
        ...(fresh.step !== undefined ? { taskId: taskIdOf(caseId, fresh.step) } : {}),
        limit: fresh.limit,
        dueAt: fresh.dueAt,
        firesAt: fresh.firesAt,
      },
      now,
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.tick();
      } catch (error) {
        this.o.log?.error({ err: error }, 'time-limit scheduler: pass failed, will retry');
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, this.o.pollIntervalMs ?? 1000);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }
}
