import { parseTaskId, type Bus, type BusMessage, type CommandHandler, type Subscription, type Topics } from '@onematter/engine';
import { DecisionMessage } from './decisionMessage.js';

export interface DecisionConsumerOptions {
  bus: Bus;
  topics: Topics;
  handler: CommandHandler;
  group?: string;
  log?: { warn(obj: object, msg: string): void };
}

/**
 * Turns each department decision into a RecordDecision command. The message is
 * acknowledged (the handler returns) only after the command's events are durable.
 * A redelivered decisionId is a no-op in the decider. A message that can never
 * succeed (invalid JSON or schema, unknown task, a task not pending) goes to the
 * dead-letter topic with the reason in a header and never blocks the partition;
 * transient failures throw, so the bus delivers the message again.
 */
export async function startDecisionConsumer(o: DecisionConsumerOptions): Promise<Subscription> {
  const deadLetter = async (message: BusMessage, reason: string) => {
    o.log?.warn({ topic: message.topic, key: message.key, reason }, 'decision sent to the dead-letter topic');
    await o.bus.publish([
      { topic: o.topics.decisionsDlq, key: message.key, headers: { ...message.headers, 'dlq-reason': reason }, value: message.value },
    ]);
  };
  return o.bus.subscribe(
    o.topics.decisions,
    async (message) => {
      // The Kafka bus hands over a value that is not JSON as raw text, marked so.
      if (message.headers['value-encoding'] === 'raw') return deadLetter(message, 'invalid JSON');
      const parsed = DecisionMessage.safeParse(message.value);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        return deadLetter(message, `schema: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`);
      }
      const d = parsed.data;
      const ids = parseTaskId(d.taskId);
      if (!ids) return deadLetter(message, `unknown task ${d.taskId}`);
      const result = await o.handler.execute(
        ids.caseId,
        (now) => ({
          type: 'RecordDecision',
          data: {
            taskId: d.taskId,
            decisionId: d.decisionId,
            decision: d.decision,
            ...(d.reason !== undefined ? { reason: d.reason } : {}),
            ...(d.output !== undefined ? { output: d.output } : {}),
            ...(d.missingMaterials !== undefined ? { missingMaterials: d.missingMaterials } : {}),
            ...(d.department !== undefined ? { department: d.department } : {}),
          },
          now,
        }),
        d.department ? `department:${d.department}` : 'department',
      );
      if (result.ok) return;
      if (result.error.kind === 'Concurrency') throw new Error(result.error.message);
      return deadLetter(message, `${result.error.kind}: ${result.error.message}`);
    },
    { group: o.group ?? 'onematter-engine' },
  );
}
