import { simulatedOutput } from '@onematter/adapters';
import type { TaskMessage } from '@onematter/engine';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  caseState,
  caughtUp,
  eventually,
  freshTopics,
  kafkaDescribe,
  produceRaw,
  readTopic,
  startEngine,
  startEnterpriseSetup,
  type Engine,
} from './support.js';

/**
 * A department writes decisions with a plain Kafka client. What it sends wrong must
 * not stop the engine, and what it sends twice must count once.
 */
kafkaDescribe('decisions from department systems over Kafka', () => {
  const { topics } = freshTopics();
  const engineGroup = `onematter-engine@${topics.decisions}`;
  let engine: Engine;
  let caseId: string;

  beforeAll(async () => {
    engine = await startEngine(topics);
    caseId = await startEnterpriseSetup(engine.runtime);
  });
  afterAll(() => engine?.close());

  /** The task the engine published for `step`, as the department reads it. */
  const taskOf = async (department: string): Promise<TaskMessage> => {
    const found = await eventually(async () => {
      const messages = await readTopic(topics.tasks(department));
      return messages.find((m) => m.key === caseId);
    }, 20_000, `the ${department} task`);
    expect(found.headers['event-type']).toBe('TaskDispatched');
    expect(found.headers['event-id']).toMatch(new RegExp(`^${caseId}:\\d+$`));
    return JSON.parse(found.value!) as TaskMessage;
  };

  it('dead-letters poison messages with the reason and still handles the valid decision behind them on the same partition', async () => {
    const task = await taskOf('samr');
    const valid = { decisionId: 'samr-ok-1', taskId: task.taskId, caseId, department: 'samr', decision: 'approved', output: simulatedOutput(task) };
    // One key, so one partition, in this order: three that can never succeed, then a good one.
    const partitions = await produceRaw(topics.decisions, [
      { key: caseId, value: '{"decisionId": "broken json' },
      { key: caseId, value: JSON.stringify({ ...valid, decisionId: 'unknown-1', taskId: 'no-such-case.samr' }) },
      { key: caseId, value: JSON.stringify({ ...valid, decisionId: 'bad-1', decision: 'maybe' }) },
      { key: caseId, value: JSON.stringify(valid) },
    ]);
    expect(new Set(partitions).size).toBe(1);

    await eventually(async () => (await caseState(engine.runtime, caseId)).tasks.samr?.status === 'approved' || undefined, 20_000, 'samr approved');

    const dlq = await eventually(async () => {
      const m = await readTopic(topics.decisionsDlq);
      return m.length >= 3 ? m : undefined;
    }, 20_000, 'three dead letters');
    expect(dlq).toHaveLength(3);
    const [invalidJson, unknownTask, schema] = dlq.sort((a, b) => Number(a.offset) - Number(b.offset));
    // The unparsable bytes reach the dead-letter topic unchanged, marked as raw.
    expect(invalidJson!.value).toBe('{"decisionId": "broken json');
    expect(invalidJson!.headers['value-encoding']).toBe('raw');
    expect(invalidJson!.headers['dlq-reason']).toMatch(/invalid JSON/);
    expect(unknownTask!.headers['dlq-reason']).toMatch(/NotFound.*no-such-case\.samr/);
    expect(JSON.parse(unknownTask!.value!)).toMatchObject({ decisionId: 'unknown-1' });
    expect(schema!.headers['dlq-reason']).toMatch(/^schema: decision/);
    for (const m of dlq) expect(m.key).toBe(caseId);
  });

  it('records a decision produced twice once', async () => {
    const task = await taskOf('psb');
    const decision = JSON.stringify({ decisionId: 'psb-once', taskId: task.taskId, caseId, department: 'psb', decision: 'approved', output: simulatedOutput(task) });
    await produceRaw(topics.decisions, [{ key: caseId, value: decision }]);
    await produceRaw(topics.decisions, [{ key: caseId, value: decision }]);
    await caughtUp(engineGroup, topics.decisions);

    const events = await engine.runtime.store.readStream(caseId);
    const psbDecisions = events.filter((e) => e.type === 'DecisionRecorded' && (e.data as { taskId: string }).taskId === task.taskId);
    expect(psbDecisions).toHaveLength(1);
    expect(psbDecisions[0]!.data).toMatchObject({ decisionId: 'psb-once', decision: 'approved' });
    // The second copy was a no-op, not a dead letter.
    expect(await readTopic(topics.decisionsDlq)).toHaveLength(3);
    // And the events topic carries the decision (at least once, identified by event-id).
    const eventId = `${caseId}:${psbDecisions[0]!.position}`;
    await eventually(async () => (await readTopic(topics.events)).some((m) => m.headers['event-id'] === eventId) || undefined, 20_000, `${eventId} on the events topic`);
  });
});
