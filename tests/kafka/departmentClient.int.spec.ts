import { department, simulatedOutput, type DepartmentClient } from '@onematter/adapters';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, expect, it } from 'vitest';
import { BROKERS, caseState, eventually, freshTopics, kafkaDescribe, produceRaw, readTopic, startEngine, startEnterpriseSetup, type Engine } from './support.js';

/** A department system written with the SDK: `department(id).onTask(async (task) => reply)`. */
kafkaDescribe('the department SDK', () => {
  const { topics } = freshTopics();
  const clients: DepartmentClient[] = [];
  let engine: Engine | undefined;
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await engine?.close();
  });

  it('answers tasks, retries a handler that failed, skips a message that is no task, and shuts down gracefully', async () => {
    engine = await startEngine(topics);
    const errors: string[] = [];
    let taxAttempts = 0;
    // Something that is no task sits before the real one on the tax topic.
    await produceRaw(topics.tasks('tax'), [{ key: 'x', value: '{"hello": "world"}' }]);

    for (const step of enterpriseSetupV1.steps) {
      const client = department(step.department, {
        brokers: BROKERS,
        topics,
        logLevel: 'nothing',
        retry: { initialDelayMs: 50 },
        onError: (error) => errors.push(`${step.department}: ${(error as Error).message}`),
      });
      clients.push(client);
      await client.onTask(async (task) => {
        if (task.department === 'tax' && ++taxAttempts === 1) throw new Error('金税系统 busy');
        return { decision: 'approved', output: simulatedOutput(task) };
      });
    }

    const caseId = await startEnterpriseSetup(engine.runtime);
    const done = await eventually(async () => {
      const s = await caseState(engine!.runtime, caseId);
      return s.status === 'completed' ? s : undefined;
    }, 30_000, 'the case to complete');

    expect(Object.values(done.tasks).every((t) => t.status === 'approved')).toBe(true);
    expect(taxAttempts).toBe(2);
    expect(errors).toContain('tax: 金税系统 busy');
    expect(errors.some((e) => e.startsWith('tax: not a task'))).toBe(true);
    const decisions = (await engine.runtime.store.readStream(caseId)).filter((e) => e.type === 'DecisionRecorded');
    expect(decisions).toHaveLength(7);
    // Each answered on its own decision topic (the one its principal may write), naming itself.
    const taxDecisions = await readTopic(topics.decisionsFrom('tax'));
    expect(taxDecisions.map((m) => JSON.parse(m.value!).department)).toEqual(['tax']);
    expect(await readTopic(topics.decisions)).toEqual([]);
    expect(clients[0]!.status()).toMatchObject({ state: 'running', stuck: [] });

    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
});
