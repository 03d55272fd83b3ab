import type { CaseEvent } from '../case/events.js';
import type { StartedCase } from '../case/state.js';
import type { OutboxMessage, PreparedEvent } from '../ports.js';

/** Kafka topic names (the defaults are the contract in DESIGN.md; a deployment may prefix them). */
export interface Topics {
  tasks(department: string): string;
  decisions: string;
  decisionsDlq: string;
  events: string;
}

export const topicsWithPrefix = (prefix = 'onematter'): Topics => ({
  tasks: (department) => `${prefix}.tasks.${department}`,
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
  type: string;
  data: unknown;
  recordedAt: string;
  hash: string;
  prevHash: string;
}

export const eventIdOf = (caseId: string, position: number): string => `${caseId}:${position}`;

/**
 * The messages a batch of fresh events implies, written to the outbox in the same
 * transaction: each event to the events topic, each dispatched task to its department.
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
    const p = prepared[i]!;
    const headers = { 'event-id': eventIdOf(state.caseId, p.position), 'event-type': event.type };
    if (event.type === 'TaskDispatched') {
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
    }
    const value: EventMessage = {
      caseId: state.caseId,
      matter: state.matter.definition.id,
      position: p.position,
      type: event.type,
      data: event.data,
      recordedAt: p.recordedAt,
      hash: p.hash,
      prevHash: p.prevHash,
    };
    messages.push({ topic: topics.events, key: state.caseId, headers, value });
  });
  return messages;
}
