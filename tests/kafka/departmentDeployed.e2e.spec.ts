import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../support/server.js';
import { assertBuilt, caseState, eventually, freshTopics, kafkaDescribe, spawnDepartment, startEngine, type DepartmentProcess, type Engine } from './support.js';

/**
 * Issue 16: `onematter department <id> --simulate` with store flags answers the steps of a
 * matter deployed into that store (tests/fixtures/matters/food-stall.yaml, not built in) in the
 * shape its file documents, so a case of it completes over Kafka with department processes only.
 */
kafkaDescribe('simulated department processes answer the steps of a deployed matter', () => {
  const { prefix, topics } = freshTopics();
  let engine: Engine;
  let processes: DepartmentProcess[] = [];

  beforeAll(async () => {
    assertBuilt();
    engine = await startEngine(topics);
    const r = await engine.runtime.matters.deploy(readFileSync(resolve(ROOT, 'tests/fixtures/matters/food-stall.yaml'), 'utf8'), '分析员张三');
    expect(r).toMatchObject({ ok: true, status: 'deployed', id: 'food-stall', version: 1 });
    processes = await Promise.all(['samr', 'tax'].map((d) => spawnDepartment(d, prefix, ['--data-dir', engine.dataDir])));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await engine?.close();
  });

  it('completes a case of it, each output fitting the step\'s documented schema', { timeout: 120_000 }, async () => {
    const caseId = randomUUID();
    const form = { operatorName: '王小明', operatorId: '11010519491231002X', phone: '13900139000', stallName: '小明面馆', address: '福建省福州市鼓楼区五四路 100 号', seats: 12, sellsAlcohol: true };
    const started = await engine.runtime.handler.execute(caseId, (now) => ({
      type: 'StartCase',
      data: { caseId, matter: 'food-stall', applicant: { name: '王小明', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13900139000' }, form },
      now,
    }));
    expect(started.ok).toBe(true);
    const done = await eventually(async () => {
      const s = await caseState(engine.runtime, caseId);
      return s.status === 'completed' ? s : undefined;
    }, 90_000, 'the food-stall case to complete');
    expect(Object.values(done.tasks).map((t) => `${t.step}:${t.status}`).sort()).toEqual(['alcohol:approved', 'food-licence:approved', 'registration:approved', 'tax:approved']);
    expect((done.tasks[`${caseId}.food-licence`] ?? Object.values(done.tasks).find((t) => t.step === 'food-licence'))!.output).toMatchObject({ licenceNumber: expect.stringMatching(/^XCY\d{6,}$/) });
  });
});
