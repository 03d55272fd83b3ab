import type { Bus, BusMessage, Subscription, TaskMessage, Topics } from '@onematter/engine';
import type { DecisionMessage } from './decisionMessage.js';

export type DepartmentReply =
  | { decision: 'approved'; output: Record<string, unknown> }
  | { decision: 'rejected'; reason: string }
  | { decision: 'supplement-required'; missingMaterials: string[]; reason?: string };

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
      const reply = await o.handle(task, { eventId });
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
