import { verifyChain } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  assertBuilt,
  caseState,
  eventually,
  freshTopics,
  kafkaDescribe,
  readTopic,
  settled,
  spawnDepartment,
  startEngine,
  startEnterpriseSetup,
  type DepartmentProcess,
  type Engine,
} from './support.js';

/**
 * 企业开办 end to end over a real broker: the engine in this process, each of the
 * seven departments its own `onematter department <id> --simulate` process, talking
 * only through Kafka topics.
 */
kafkaDescribe('enterprise setup completed by seven department processes over Kafka', () => {
  const { prefix, topics } = freshTopics();
  const departments = enterpriseSetupV1.steps.map((s) => s.department);
  let engine: Engine;
  let processes: DepartmentProcess[] = [];

  beforeAll(async () => {
    assertBuilt();
    engine = await startEngine(topics);
    processes = await Promise.all(departments.map((d) => spawnDepartment(d, prefix)));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await engine?.close();
  });

  it('dispatches each task to its department process and completes the case on their decisions', async () => {
    expect(departments).toHaveLength(7);
    const caseId = await startEnterpriseSetup(engine.runtime);

    const done = await eventually(async () => {
      const s = await caseState(engine.runtime, caseId);
      return s.status === 'completed' ? s : undefined;
    }, 60_000, 'the case to complete');

    for (const d of departments) {
      const task = Object.values(done.tasks).find((t) => t.department === d)!;
      expect(task.status, d).toBe('approved');
      expect(task.output, d).toBeDefined();
    }
    // 社保, 税务 etc. waited for 设立登记's code: they saw it as input and answered with it.
    expect((done.tasks.tax!.output as { taxpayerId: string }).taxpayerId).toBe((done.tasks.samr!.output as { unifiedSocialCreditCode: string }).unifiedSocialCreditCode);

    const events = await engine.runtime.store.readStream(caseId);
    expect(verifyChain(caseId, events)).toBeUndefined();
    const decisions = events.filter((e) => e.type === 'DecisionRecorded');
    expect(decisions.map((e) => (e.data as { department: string }).department).sort()).toEqual([...departments].sort());
    // Every decision came from the department's own process, identified as such.
    for (const e of decisions) expect(e.metadata.actor).toBe(`department:${(e.data as { department: string }).department}`);

    // Every event of the case is on the events topic (at least once), in stream order.
    await settled(engine.runtime);
    const onTopic = (await readTopic(topics.events)).filter((m) => m.key === caseId);
    const firstSeen = [...new Set(onTopic.map((m) => m.headers['event-id']))];
    expect(firstSeen).toEqual(events.map((e) => `${caseId}:${e.position}`));
  });

  it('stops a department process gracefully on SIGTERM', async () => {
    const codes = await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    expect(codes).toEqual(departments.map(() => 0));
  });
});
