import { simulatedOutput } from '@onematter/adapters';
import { build } from '@onematter/api';
import type { TaskMessage } from '@onematter/engine';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  caseState,
  caughtUp,
  eventually,
  freshTopics,
  kafkaDescribe,
  produceRaw,
  publishedTask,
  readTopic,
  startEngine,
  startEnterpriseSetup,
  type Engine,
  type RawMessage,
} from './support.js';

/**
 * A department writes decisions with a plain Kafka client. What it sends wrong must
 * not stop the engine, and what it sends twice must count once. What a department, or
 * an intruder on the broker, sends that the engine must not take (a decision for another
 * department's task, one that no retry can process) goes to the dead-letter topic with
 * its reason, changes no case, and stops nothing behind it (issue 19, findings 1 and 2).
 */
kafkaDescribe('decisions from department systems over Kafka', () => {
  const { topics } = freshTopics();
  const engineGroup = `onematter-engine@${topics.decisions}`;
  let engine: Engine;
  let app: FastifyInstance;
  let caseId: string;

  beforeAll(async () => {
    engine = await startEngine(topics);
    app = await build(engine.runtime, { auth: { enabled: false } });
    caseId = await startEnterpriseSetup(engine.runtime);
  });
  afterAll(async () => {
    await app?.close();
    await engine?.close();
  });

  /** The task the engine published for `step`, as the department reads it. */
  const taskOf = async (department: string): Promise<TaskMessage> => {
    const { task, message } = await publishedTask(topics, caseId, department);
    expect(message.headers['event-type']).toBe('TaskDispatched');
    expect(message.headers['event-id']).toMatch(new RegExp(`^${caseId}:\\d+$`));
    return task;
  };

  it('dead-letters poison messages with the reason and still handles the valid decision behind them on the same partition', async () => {
    const task = await taskOf('samr');
    const valid = { decisionId: 'samr-ok-1', taskId: task.taskId, caseId, department: 'samr', decision: 'approved', output: simulatedOutput(task) };
    // Bytes that are not UTF-8 inside an otherwise valid approval: JSON text must be UTF-8
    // (RFC 8259), and decoding them loosely would record "\uFFFD" in the case.
    const [head, tail] = JSON.stringify({ ...valid, decisionId: 'utf8-1', reason: '@@' }).split('@@') as [string, string];
    const notUtf8 = Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28]), Buffer.from(tail)]);
    // One key, so one partition, in this order: four that can never succeed, then a good one.
    const partitions = await produceRaw(topics.decisions, [
      { key: caseId, value: notUtf8 },
      { key: caseId, value: '{"decisionId": "broken json' },
      { key: caseId, value: JSON.stringify({ ...valid, decisionId: 'unknown-1', taskId: 'no-such-case.samr' }) },
      { key: caseId, value: JSON.stringify({ ...valid, decisionId: 'bad-1', decision: 'maybe' }) },
      { key: caseId, value: JSON.stringify(valid) },
    ]);
    expect(new Set(partitions).size).toBe(1);

    await eventually(async () => (await caseState(engine.runtime, caseId)).tasks.samr?.status === 'approved' || undefined, 20_000, 'samr approved');

    const dlq = await eventually(async () => {
      const m = await readTopic(topics.decisionsDlq);
      return m.length >= 4 ? m : undefined;
    }, 20_000, 'four dead letters');
    expect(dlq).toHaveLength(4);
    const [invalidUtf8, invalidJson, unknownTask, schema] = dlq.sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(invalidUtf8!.headers['dlq-reason']).toMatch(/not UTF-8/);
    expect(invalidUtf8!.headers['value-encoding']).toBe('raw');
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
    expect(await readTopic(topics.decisionsDlq)).toHaveLength(4);
    // And the events topic carries the decision (at least once, identified by event-id).
    const eventId = `${caseId}:${psbDecisions[0]!.position}`;
    await eventually(async () => (await readTopic(topics.events)).some((m) => m.headers['event-id'] === eventId) || undefined, 20_000, `${eventId} on the events topic`);
  });

  const taskOfCase = async (caseId: string, department: string): Promise<TaskMessage> => (await publishedTask(topics, caseId, department)).task;
  const decisionsOf = async (caseId: string) => (await engine.runtime.store.readStream(caseId)).filter((e) => e.type === 'DecisionRecorded');
  const deadLetters = async (n: number, what: string): Promise<RawMessage[]> =>
    eventually(async () => {
      const m = await readTopic(topics.decisionsDlq);
      return m.length >= n ? m : undefined;
    }, 30_000, what);
  const health = async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/health' });
    return { code: r.statusCode, body: r.json() as { status: string; problems?: string[]; consumers: { name: string; state: string; stuck: unknown[] }[] } };
  };

  it('refuses a decision that does not prove its department: dead-lettered with the reason, the case unchanged', async () => {
    const before = (await readTopic(topics.decisionsDlq)).length;
    const caseId = await startEnterpriseSetup(engine.runtime);
    const samr = await taskOfCase(caseId, 'samr');
    const forged = (extra: Record<string, unknown>) =>
      JSON.stringify({ taskId: samr.taskId, caseId, decision: 'approved', output: simulatedOutput(samr), ...extra });

    // The campaign's forgery: no department at all, on the shared topic.
    await produceRaw(topics.decisions, [{ key: caseId, value: forged({ decisionId: 'forge-none' }) }]);
    // Another department's name on the shared topic.
    await produceRaw(topics.decisions, [{ key: caseId, value: forged({ decisionId: 'forge-other', department: 'psb' }) }]);
    // psb's own topic (its principal may write there) claiming to be samr.
    await produceRaw(topics.decisionsFrom('psb'), [{ key: caseId, value: forged({ decisionId: 'forge-claim', department: 'samr' }) }]);
    // psb's own topic, no department field: the topic says psb, and the task is samr's.
    await produceRaw(topics.decisionsFrom('psb'), [{ key: caseId, value: forged({ decisionId: 'forge-topic' }) }]);

    await caughtUp(engineGroup, topics.decisions);
    await caughtUp(engineGroup, topics.decisionsFrom('psb'));
    const dlq = await deadLetters(before + 4, 'four more dead letters');
    const letter = (id: string) => dlq.find((m) => m.value?.includes(`"decisionId":"${id}"`));
    const reason = (id: string) => letter(id)?.headers['dlq-reason'];
    expect(reason('forge-none')).toMatch(/^forged: .*must name its department/);
    expect(reason('forge-other')).toMatch(/^Forbidden: task .*\.samr belongs to department samr, not psb/);
    expect(reason('forge-claim')).toMatch(/^forged: department samr on .*decisions\.psb/);
    expect(reason('forge-topic')).toMatch(/^Forbidden: task .*\.samr belongs to department samr, not psb/);
    for (const id of ['forge-none', 'forge-other', 'forge-claim', 'forge-topic']) expect(letter(id)!.key).toBe(caseId);
    expect(letter('forge-claim')!.headers['dlq-topic']).toBe(topics.decisionsFrom('psb'));

    // Nothing was recorded: the task still waits for samr.
    expect(await decisionsOf(caseId)).toEqual([]);
    expect((await caseState(engine.runtime, caseId)).tasks.samr!.status).toBe('pending');

    // samr on its own topic is believed without naming itself; psb on the shared topic, naming itself.
    await produceRaw(topics.decisionsFrom('samr'), [{ key: caseId, value: forged({ decisionId: 'samr-real' }) }]);
    await eventually(async () => (await caseState(engine.runtime, caseId)).tasks.samr!.status === 'approved' || undefined, 20_000, 'samr approved');
    const psb = await taskOfCase(caseId, 'psb');
    await produceRaw(topics.decisions, [
      { key: caseId, value: JSON.stringify({ decisionId: 'psb-real', taskId: psb.taskId, caseId, department: 'psb', decision: 'approved', output: simulatedOutput(psb) }) },
    ]);
    await eventually(async () => (await caseState(engine.runtime, caseId)).tasks.psb!.status === 'approved' || undefined, 20_000, 'psb approved');
    const recorded = await decisionsOf(caseId);
    expect(recorded.map((e) => [(e.data as { decisionId: string }).decisionId, e.metadata.actor])).toEqual([
      ['samr-real', 'department:samr'],
      ['psb-real', 'department:psb'],
    ]);
  }, 120_000);

  it('dead-letters a decision nested too deep to process, and takes the decisions sent after it, on the same partition', async () => {
    const before = (await readTopic(topics.decisionsDlq)).length;
    const a = await startEnterpriseSetup(engine.runtime);
    const b = await startEnterpriseSetup(engine.runtime);
    const [taskA, taskB] = [await taskOfCase(a, 'samr'), await taskOfCase(b, 'samr')];
    // The campaign's poison: an otherwise valid decision whose output nests a key 10,000 levels deep (about 60 KB).
    let deep = '1';
    for (let i = 0; i < 10_000; i++) deep = `{"k":${deep}}`;
    const valid = (task: TaskMessage, decisionId: string) => JSON.stringify({ decisionId, taskId: task.taskId, caseId: task.caseId, department: 'samr', decision: 'approved', output: simulatedOutput(task) });
    const poison = `${valid(taskA, 'samr-poison').slice(0, -2)},"deep":${deep}}}`;
    expect(() => JSON.parse(poison)).not.toThrow();

    await produceRaw(topics.decisionsFrom('samr'), [{ key: a, value: poison, partition: 0 }]);
    const dlq = await deadLetters(before + 1, 'the poison in the dead-letter topic');
    const dead = dlq.find((m) => m.value?.includes('samr-poison'))!;
    // Refused by the bounds of JSON input; without them, by the consumer's own classification
    // (processing throws a RangeError: tests/e2e/decisionConsumer.e2e.spec.ts).
    expect(dead.headers['dlq-reason']).toMatch(/^(schema: output\.deep\.k.*nested deeper than 32 levels|unprocessable: RangeError)/);
    // It reaches the dead-letter topic byte for byte, though it cannot be encoded again.
    expect(dead.value).toBe(poison);
    expect((await caseState(engine.runtime, a)).tasks.samr!.status).toBe('pending');

    // Behind it on the same partition: another case's decision, and a good one for the same case.
    await produceRaw(topics.decisionsFrom('samr'), [
      { key: b, value: valid(taskB, 'samr-b'), partition: 0 },
      { key: a, value: valid(taskA, 'samr-a'), partition: 0 },
    ]);
    for (const id of [a, b]) {
      await eventually(async () => (await caseState(engine.runtime, id)).tasks.samr!.status === 'approved' || undefined, 20_000, `samr approved on ${id}`);
    }
    expect((await decisionsOf(a)).map((e) => (e.data as { decisionId: string }).decisionId)).toEqual(['samr-a']);
    expect((await health()).body.status).toBe('ok');
    const metrics = (await app.inject({ method: 'GET', url: '/api/v1/metrics' })).body;
    expect(metrics).toMatch(/onematter_dlq_messages_total\{kind="forged"\} 4\b/);
  }, 120_000);

  it('retries a decision while the store fails, shows it stuck in /health and /metrics, and records it once the store is back', async () => {
    const caseId = await startEnterpriseSetup(engine.runtime);
    const samr = await taskOfCase(caseId, 'samr');
    const store = engine.runtime.store;
    const append = store.append;
    // The store goes away (a transient failure: no dead letter, retried).
    store.append = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    };
    try {
      await produceRaw(topics.decisionsFrom('samr'), [
        { key: caseId, value: JSON.stringify({ decisionId: 'samr-late', taskId: samr.taskId, caseId, decision: 'approved', output: simulatedOutput(samr) }) },
      ]);
      const down = await eventually(async () => {
        const h = await health();
        return h.code === 503 ? h : undefined;
      }, 60_000, '/health to report the stuck decision');
      expect(down.body.status).toBe('degraded');
      expect(down.body.problems!.join('\n')).toMatch(new RegExp(`consumer decisions: message ${topics.decisionsFrom('samr').replace(/\./g, '\\.')}/\\d+@\\d+ .*failed \\d+ times.*ECONNREFUSED`));
      const metrics = (await app.inject({ method: 'GET', url: '/api/v1/metrics' })).body;
      expect(metrics).toMatch(/onematter_consumer_stuck\{consumer="decisions"\} 1\b/);
      const ready = await app.inject({ method: 'GET', url: '/api/v1/health/ready' });
      expect(ready.statusCode).toBe(503);
    } finally {
      store.append = append;
    }
    await eventually(async () => (await caseState(engine.runtime, caseId)).tasks.samr!.status === 'approved' || undefined, 30_000, 'samr approved once the store is back');
    await eventually(async () => ((await health()).code === 200) || undefined, 10_000, '/health ok again');
    expect((await readTopic(topics.decisionsDlq)).some((m) => m.value?.includes('samr-late'))).toBe(false);
  }, 120_000);
});
