import type { AftercareFacts } from '../aftercare/facts.js';
import type { CompiledMatter, MachineSnapshot } from '../machine/compile.js';
import type { TimeLimitFacts } from '../timeLimits/facts.js';
import type { ModeFacts } from '../modes/facts.js';
import type { Applicant, Decision } from './events.js';

export type CaseStatus = 'in-progress' | 'awaiting-supplement' | 'completed' | 'rejected' | 'withdrawn';
/** `skipped`: a conditional step that does not apply to this case's form. */
export type TaskStatus = 'waiting' | 'pending' | 'approved' | 'rejected' | 'supplement-required' | 'cancelled' | 'skipped';

export interface TaskState {
  id: string;
  step: string;
  department: string;
  service: string;
  status: TaskStatus;
  dependsOn: readonly string[];
  attempts: number;
  dispatchedAt?: string;
  decidedAt?: string;
  decision?: Decision;
  output?: Record<string, unknown>;
  reason?: string;
  missingMaterials?: string[];
  /** Every decisionId seen for this task: a redelivered decision is a no-op. */
  decisionIds: readonly string[];
}

export interface StartedCase {
  kind: 'started';
  caseId: string;
  /** Revision of the last event folded in (0-based); the next append expects it. */
  revision: number;
  lastHash: string;
  matter: CompiledMatter;
  snapshot: MachineSnapshot;
  status: CaseStatus;
  applicant: Applicant;
  form: Record<string, unknown>;
  materials: readonly string[];
  idempotencyKey?: string;
  /** 办件编号 (absent on cases started before numbers were given). */
  caseNumber?: string;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  closedReason?: string;
  /** Tasks by step id, in the definition's order. */
  tasks: Readonly<Record<string, TaskState>>;
  outputs: Readonly<Record<string, Record<string, unknown>>>;
  /** What the time-limit clocks need: starts, closes, pauses, records (see timeLimits/facts.ts). */
  clock: TimeLimitFacts;
  /** 统一出件, 好差评 and rectifications after the case closed (see aftercare/facts.ts). */
  aftercare: AftercareFacts;
  /** 即办, 容缺, 告知承诺, 帮办代办, 免申即办, visits and deliveries (see modes/facts.ts). */
  modes: ModeFacts;
}

export interface NewCase {
  kind: 'new';
  revision: -1;
}

export type CaseState = NewCase | StartedCase;

export const initialCaseState = (): NewCase => ({ kind: 'new', revision: -1 });

export const isClosed = (s: StartedCase): boolean =>
  s.status === 'completed' || s.status === 'rejected' || s.status === 'withdrawn';

export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ['waiting', 'pending', 'supplement-required'];

/** A task id names its case and step, so a decision finds its case without an index. */
export const taskIdOf = (caseId: string, step: string): string => `${caseId}.${step}`;

export function parseTaskId(taskId: string): { caseId: string; step: string } | undefined {
  const i = taskId.lastIndexOf('.');
  if (i <= 0 || i === taskId.length - 1) return undefined;
  return { caseId: taskId.slice(0, i), step: taskId.slice(i + 1) };
}
