import type { CaseEvent } from '../case/events.js';
import type { StartedCase } from '../case/state.js';
import type { OutboxMessage, PreparedEvent } from '../ports.js';

/** Kafka topic names (the defaults are the contract in DESIGN.md; a deployment may prefix them). */
export interface Topics {
  tasks(department: string): string;
  /**
   * Decisions of one department, `<prefix>.decisions.<department>`: the broker lets only
   * that department's principal write there (ACLs), so the topic names the sender.
   */
  decisionsFrom(department: string): string;
  /** Decisions of any department, each naming its `department` (a claim the topic cannot back). */
  decisions: string;
  decisionsDlq: string;
  events: string;
}

export const topicsWithPrefix = (prefix = 'onematter'): Topics => ({
  tasks: (department) => `${prefix}.tasks.${department}`,
  decisionsFrom: (department) => `${prefix}.decisions.${department}`,
  decisions: `${prefix}.decisions`,
  decisionsDlq: `${prefix}.decisions.dlq`,
  events: `${prefix}.events`,
});

export const DEFAULT_TOPICS = topicsWithPrefix();

/** The JSON a department system receives on `onematter.tasks.<department>`. */
export interface TaskMessage {
  taskId: string;
  caseId: string;
  matter: string;
  matterVersion: number;
  department: string;
  service: string;
  form: Record<string, unknown>;
  materials: string[];
  /** Outputs of the steps this one waited for, by step id (e.g. samr's unifiedSocialCreditCode). */
  inputs: Record<string, unknown>;
  attempt: number;
  dueAt: string | null;
  applicant: { name: string };
}

/** The JSON every consumer of `onematter.events` receives, in stream order per case. */
export interface EventMessage {
  caseId: string;
  matter: string;
  position: number;
  globalPosition: number;
  type: string;
  data: unknown;
  recordedAt: string;
  hash: string;
  prevHash: string;
}

export const eventIdOf = (caseId: string, position: number): string => `${caseId}:${position}`;

/** The message for one stored event on the events topic (published by the event feed, in global order). */
export function eventMessageOf(e: { streamId: string; position: number; type: string; data: unknown; recordedAt: string; hash: string; prevHash: string; globalPosition: number }, matter: string): EventMessage {
  return {
    caseId: e.streamId,
    matter,
    position: e.position,
    globalPosition: e.globalPosition,
    type: e.type,
    data: e.data,
    recordedAt: e.recordedAt,
    hash: e.hash,
    prevHash: e.prevHash,
  };
}

/**
 * The outbox rows a batch of fresh events implies, written in the same
 * transaction: each dispatched task to its department's topic. (Every event also
 * goes to the events topic, but from the event log itself: the event feed follows
 * the global position with a checkpoint, so events are not written twice.)
 */
export function outboxFor(
  topics: Topics,
  state: StartedCase,
  events: readonly CaseEvent[],
  prepared: readonly PreparedEvent[],
  dueAtOf: (taskId: string) => string | null = () => null,
): OutboxMessage[] {
  const messages: OutboxMessage[] = [];
  events.forEach((event, i) => {
    if (event.type !== 'TaskDispatched') return;
    const p = prepared[i]!;
    const headers = { 'event-id': eventIdOf(state.caseId, p.position), 'event-type': event.type };
    const task: TaskMessage = {
      taskId: event.data.taskId,
      caseId: state.caseId,
      matter: state.matter.definition.id,
      matterVersion: state.matter.definition.version,
      department: event.data.department,
      service: event.data.service,
      form: state.form,
      materials: event.data.materials,
      inputs: event.data.inputs,
      attempt: event.data.attempt,
      dueAt: dueAtOf(event.data.taskId),
      applicant: { name: state.applicant.name },
    };
    messages.push({ topic: topics.tasks(event.data.department), key: state.caseId, headers, value: task });
  });
  return messages;
}
