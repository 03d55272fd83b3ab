import { z } from 'zod';
import type { Bus, BusMessage, Subscription, TaskMessage, Topics } from './types.js';

/** The JSON a department sends on its decision topic (the engine holds it to its schema and JSON bounds). */
export interface DecisionMessage {
  decisionId: string;
  taskId: string;
  caseId?: string;
  department?: string;
  decision: 'approved' | 'rejected' | 'supplement-required';
  reason?: string;
  output?: Record<string, unknown>;
  missingMaterials?: string[];
  /** 告知承诺制: approved on the applicant's written commitment (only steps that allow it). */
  onCommitment?: boolean;
}

/** What a department's handler answers: approved with its output, rejected with a reason, or the materials still missing. */
export const DepartmentReply = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approved'), output: z.record(z.string(), z.unknown()), onCommitment: z.boolean().optional() }),
  z.object({ decision: z.literal('rejected'), reason: z.string().min(1).max(2000) }),
  z.object({ decision: z.literal('supplement-required'), missingMaterials: z.array(z.string().min(1).max(200)).min(1).max(100), reason: z.string().max(2000).optional() }),
]);
export type DepartmentReply = z.infer<typeof DepartmentReply>;

export interface DepartmentWorkerOptions {
  bus: Bus;
  topics: Topics;
  department: string;
  /** The department's own work. Its reply is sent as a decision; throwing gets the task again later. */
  handle: (task: TaskMessage, meta: { eventId: string }) => Promise<DepartmentReply>;
  /** Consumer group: every instance of one department system shares its tasks. */
  group?: string;
}

/**
 * A department system's side of the contract: take tasks from
 * `onematter.tasks.<department>`, answer on `onematter.decisions.<department>`, naming
 * the department in every decision as well. At least once:
 * a task is acknowledged only after the decision is published, so a crash in
 * between redelivers the task; the decisionId, derived from the task's event id,
 * is the same on every redelivery, so the engine records it once.
 */
export async function createDepartmentWorker(o: DepartmentWorkerOptions): Promise<Subscription> {
  return o.bus.subscribe(
    o.topics.tasks(o.department),
    async (message: BusMessage) => {
      const task = message.value as TaskMessage;
      const eventId = message.headers['event-id'] ?? `${task.taskId}:${task.attempt}`;
      const answer = await o.handle(task, { eventId });
      // A reply the engine would refuse is the handler's bug: it fails here, where the department sees it, not in the engine's dead letters.
      const checked = DepartmentReply.safeParse(answer);
      if (!checked.success) throw new TypeError(`task ${task.taskId}: the handler's reply is not a decision: ${z.prettifyError(checked.error)}`);
      const reply = checked.data;
      const decision: DecisionMessage = {
        decisionId: `${o.department}:${eventId}`,
        taskId: task.taskId,
        caseId: task.caseId,
        department: o.department,
        ...reply,
      };
      // The department's own decision topic, which only it may write (broker ACLs).
      await o.bus.publish([{ topic: o.topics.decisionsFrom(o.department), key: task.caseId, headers: { 'event-type': 'DecisionMade' }, value: decision }]);
    },
    { group: o.group ?? `department-${o.department}` },
  );
}
