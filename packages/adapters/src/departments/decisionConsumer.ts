import { DecisionMessage, DEPARTMENTS, parseTaskId, recordDecisionOf, type Bus, type BusMessage, type CommandHandler, type Subscription, type Topics } from '@onematter/engine';
import { describeError } from '../errors.js';

/** Why a decision went to the dead-letter topic, for metrics (the `dlq-reason` header says it in words). */
export type DeadLetterKind = 'invalid-json' | 'schema' | 'forged' | 'refused' | 'unprocessable';

export interface DecisionConsumerOptions {
  bus: Bus;
  topics: Topics;
  handler: CommandHandler;
  group?: string;
  /** Departments whose own decision topic (`topics.decisionsFrom(id)`) is consumed. Default: all. */
  departments?: readonly string[];
  log?: { warn(obj: object, msg: string): void };
  /** Told about every dead letter (after it was published). */
  onDeadLetter?: (kind: DeadLetterKind, reason: string) => void;
}

/**
 * Errors that processing one message raised and that no retry can fix: the same bytes
 * fail the same way every time (JSON nested too deep to hash or store, a value of the
 * wrong type that got past validation). Anything else (the store away, a lost
 * connection) is transient and retried.
 */
const unprocessable = (error: unknown): boolean => error instanceof RangeError || error instanceof TypeError || error instanceof SyntaxError;

/**
 * Turns each department decision into a RecordDecision command, from the decision topic
 * of each department (`onematter.decisions.<dept>`) and from the shared one
 * (`onematter.decisions`), with one consumer group for them all.
 *
 * Who sent it: on `onematter.decisions.<dept>` the topic names the department (the
 * broker lets only that department write there, see docs/departments.md), and a
 * `department` field, if any, must say the same; on the shared topic the `department`
 * field is required. Either way the engine checks it against the task's department, so a
 * decision for another department's task is refused.
 *
 * Delivery: the message is acknowledged (the handler returns) only after the command's
 * events are durable. A redelivered decisionId is a no-op in the decider. A message that
 * can never succeed (invalid JSON or schema, a forged or missing department, unknown
 * task, a task not pending, an output that cannot be processed) goes to the dead-letter
 * topic with the reason in `dlq-reason`, its offset is committed and it never blocks the
 * partition; transient failures throw, so the bus delivers the message again (with
 * backoff, reported stuck when it lasts).
 */
export async function startDecisionConsumer(o: DecisionConsumerOptions): Promise<Subscription> {
  const ownTopics = new Map((o.departments ?? DEPARTMENTS).map((d) => [o.topics.decisionsFrom(d), d]));
  const deadLetter = async (message: BusMessage, kind: DeadLetterKind, reason: string) => {
    o.log?.warn({ topic: message.topic, key: message.key, reason }, 'decision sent to the dead-letter topic');
    await o.bus.publish([
      {
        topic: o.topics.decisionsDlq,
        key: message.key,
        headers: { ...message.headers, 'dlq-reason': reason, 'dlq-topic': message.topic },
        value: message.value,
        // The bytes as received: a value nested too deep to encode again still gets there.
        ...(message.raw !== undefined ? { raw: message.raw } : {}),
      },
    ]);
    o.onDeadLetter?.(kind, reason);
  };
  return o.bus.subscribe(
    [o.topics.decisions, ...ownTopics.keys()],
    async (message) => {
      // The Kafka bus hands over a value that is not JSON as raw text, marked so.
      if (message.headers['value-encoding'] === 'raw') {
        const why = message.headers['value-invalid-utf8'] === 'true' ? 'invalid JSON: its bytes are not UTF-8' : 'invalid JSON';
        return deadLetter(message, 'invalid-json', why);
      }
      const parsed = DecisionMessage.safeParse(message.value);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        return deadLetter(message, 'schema', `schema: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`);
      }
      const d = parsed.data;
      const topicDepartment = ownTopics.get(message.topic);
      if (topicDepartment !== undefined && d.department !== undefined && d.department !== topicDepartment) {
        return deadLetter(message, 'forged', `forged: department ${d.department} on ${message.topic}, the decision topic of ${topicDepartment}`);
      }
      const department = topicDepartment ?? d.department;
      if (department === undefined) {
        return deadLetter(message, 'forged', `forged: a decision on ${message.topic} must name its department (or be sent on ${o.topics.decisionsFrom('<department>')})`);
      }
      const ids = parseTaskId(d.taskId);
      if (!ids) return deadLetter(message, 'refused', `unknown task ${d.taskId}`);
      let result: Awaited<ReturnType<CommandHandler['execute']>>;
      try {
        result = await o.handler.execute(
          ids.caseId,
          (now) => recordDecisionOf(d, { taskId: d.taskId, department }, now),
          `department:${department}`,
        );
      } catch (error) {
        if (!unprocessable(error)) throw error;
        return deadLetter(message, 'unprocessable', `unprocessable: ${describeError(error)}`);
      }
      if (result.ok) return;
      if (result.error.kind === 'Concurrency') throw new Error(result.error.message);
      return deadLetter(message, result.error.kind === 'Forbidden' ? 'forged' : 'refused', `${result.error.kind}: ${result.error.message}`);
    },
    { group: o.group ?? 'onematter-engine' },
  );
}
