import { CASE_EVENT_TYPES, type StoredEvent } from '@onematter/engine';
import type { Projection, ProjectionDocuments } from './runner.js';

/** A task a department has been sent and has not answered yet. */
export interface PendingTask {
  taskId: string;
  step: string;
  department: string;
  service: string;
  dispatchedAt: string;
}

/** One open case as the work queues see it. */
export interface WorkQueueCase {
  caseId: string;
  /** Global position of the case's CaseStarted: the case list's order. */
  position: number;
  pending: Record<string, PendingTask>;
}

const CASE_EVENTS = new Set<string>(CASE_EVENT_TYPES);

/**
 * The department work queues (部门待办): each open case with the tasks its departments
 * still have to answer, tagged `pending:<department>`, so "what is waiting for tax" is
 * one walk down an index, newest case first. A task leaves the queue when it is decided
 * or cancelled (a supplement request included: the task comes back when it is
 * dispatched again); a case leaves it when it is completed, rejected or withdrawn.
 */
export const workQueueProjection: Projection<WorkQueueCase> = {
  name: 'work-queue',
  keysOf: (e) => (CASE_EVENTS.has(e.type) ? [e.streamId] : []),
  apply(e: StoredEvent, docs: ProjectionDocuments<WorkQueueCase>) {
    if (!CASE_EVENTS.has(e.type)) return;
    const d = e.data as { taskId?: string; step?: string; department?: string; service?: string; at: string };
    if (e.type === 'CaseStarted') {
      put(docs, { caseId: e.streamId, position: e.globalPosition, pending: {} });
      return;
    }
    const current = docs.get(e.streamId)?.doc;
    if (!current) return;
    switch (e.type) {
      case 'TaskDispatched':
        current.pending[d.taskId!] = { taskId: d.taskId!, step: d.step!, department: d.department!, service: d.service!, dispatchedAt: d.at };
        break;
      case 'DecisionRecorded':
      case 'TaskCancelled':
        delete current.pending[d.taskId!];
        break;
      case 'CaseCompleted':
      case 'CaseRejected':
      case 'CaseWithdrawn':
      case 'DeferredAcceptanceRevoked':
        docs.delete(e.streamId);
        return;
      default:
        return;
    }
    put(docs, current);
  },
};

function put(docs: ProjectionDocuments<WorkQueueCase>, c: WorkQueueCase): void {
  const tags = [...new Set(Object.values(c.pending).map((t) => pendingTag(t.department)))];
  docs.put({ key: c.caseId, position: c.position, tags, doc: c });
}

export const pendingTag = (department: string) => `pending:${department}`;
