import type { AftercareFacts } from '../aftercare/facts.js';
import type { ModeFacts } from '../modes/facts.js';
import type { TimeLimitFacts } from '../timeLimits/facts.js';
import type { TimeLimitPlan } from '../timeLimits/readings.js';

/** One case as the time limits and supervision see it (folded by the adapters' CaseTimeLimitProjection). */
export interface TrackedCase {
  caseId: string;
  /** Global position of its CaseStarted: a stable order for pagination. */
  position: number;
  plan: TimeLimitPlan;
  facts: TimeLimitFacts;
  /** 统一出件, 好差评 and 整改 of the case: present once one of their events was recorded. */
  aftercare?: AftercareFacts;
  /** A 有诉即办 case ({@link COMPLAINT_LOOP}): whose it is and what the 回访 answered. */
  complaint?: { responsibleDepartment: string | null; satisfaction?: string };
  /** 即办, 容缺, 告知承诺, 帮办代办, 免申即办, 跑动 and 出件方式 (the case state's mode facts). */
  modes: ModeFacts;
}

/** Every tracked case, caught up with the log on demand: the port supervision reads (the adapters follow the log). */
export interface TrackedCases {
  readonly cases: ReadonlyMap<string, TrackedCase>;
  /** Applies every event readable now. */
  catchUp(): Promise<void>;
}

/**
 * Where the 有诉即办 loop keeps what supervision counts: the complaint matter, the form
 * field naming the responsible department (承办部门), and the 回访评价 step whose output
 * carries the complainant's satisfaction (`packages/workflows/matters/complaint.yaml`).
 */
export const COMPLAINT_LOOP = {
  matter: 'complaint',
  responsibleField: 'responsibleDepartment',
  followUpStep: 'follow-up',
  satisfactionField: 'satisfaction',
} as const;
