import { build } from '@onematter/api';
import { expect, it } from 'vitest';
import { caseState, eventually, freshTopics, kafkaDescribe, kafkaSh, startEngine, startEnterpriseSetup, startOtherDepartments } from './support.js';

const CASES = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Health {
  status: string;
  problems?: string[];
  consumers: { name: string; state: string; reason?: string; restarts: number }[];
}

/**
 * Two broker outages in a row (issue 19, finding 4): the engine's decision consumer
 * crashes, its restart fails while the broker is still away, and it must keep trying
 * until the broker is back; meanwhile /health says which consumer is down and why.
 */
kafkaDescribe('consumers across two broker outages in a row', () => {
  it(`restarts the decision consumer until the broker is back, says so in /health meanwhile, and completes all ${CASES} cases and those started meanwhile`, async () => {
    if (kafkaSh('status').code !== 0) {
      throw new Error('this test stops the broker with infra/kafka/kafka.sh, but the broker it reaches was not started by it; run `npm run kafka:start` (or set KAFKA_RUN_DIR to the run dir of the script that started it)');
    }
    const { topics } = freshTopics();
    const engine = await startEngine(topics);
    const app = await build(engine.runtime, { auth: { enabled: false } });
    const departments = await startOtherDepartments(topics, [200, 1500]);
    const health = async () => {
      const r = await app.inject({ method: 'GET', url: '/api/v1/health' });
      return { code: r.statusCode, body: r.json() as Health };
    };
    const decisionConsumer = (h: Health) => h.consumers.find((c) => c.name === 'decisions')!;
    let brokerDown = false;
    try {
      expect((await health()).code).toBe(200);
      const ids = await Promise.all(Array.from({ length: CASES }, () => startEnterpriseSetup(engine.runtime)));
      await eventually(async () => {
        const s = await caseState(engine.runtime, ids[0]!);
        return Object.values(s.tasks).some((t) => t.status === 'approved') || undefined;
      }, 60_000, 'a first decision');

      // Outage one, brief; outage two, two seconds later, long enough for the consumer to
      // crash and for a restart of it to fail.
      kafkaSh('stop');
      brokerDown = true;
      await sleep(1_000);
      kafkaSh('start');
      brokerDown = false;
      await sleep(2_000);
      kafkaSh('stop');
      brokerDown = true;

      const down = await eventually(async () => {
        const h = await health();
        return h.code === 503 && decisionConsumer(h.body).state !== 'running' ? h.body : undefined;
      }, 60_000, '/health to report the decision consumer down');
      expect(down.status).toBe('degraded');
      expect(down.problems!.some((p) => p.startsWith('consumer decisions is '))).toBe(true);
      const ready = await app.inject({ method: 'GET', url: '/api/v1/health/ready' });
      expect(ready.statusCode).toBe(503);
      // A restart that failed because the broker was still away: the next one is scheduled.
      const failedRestart = await eventually(async () => {
        const c = decisionConsumer((await health()).body);
        return c.state === 'restarting' && c.reason?.startsWith('restart failed') ? c : undefined;
      }, 120_000, 'a restart of the decision consumer to fail');
      expect(failedRestart.restarts).toBeGreaterThanOrEqual(1);
      // A clerk goes on starting cases meanwhile: accepted (the store holds them), and they wait
      // for the broker. On a fast machine the first cases may all be done by now; these are not.
      const startedWhileDown = await Promise.all(Array.from({ length: 5 }, () => startEnterpriseSetup(engine.runtime)));
      ids.push(...startedWhileDown);
      await sleep(500);
      const pendingWhileDown = (await Promise.all(startedWhileDown.map((id) => caseState(engine.runtime, id)))).filter((s) => s.status !== 'completed').length;
      expect(pendingWhileDown).toBe(startedWhileDown.length);

      kafkaSh('start');
      brokerDown = false;
      await eventually(async () => {
        const states = await Promise.all(ids.map((id) => caseState(engine.runtime, id)));
        return states.every((s) => s.status === 'completed') || undefined;
      }, 180_000, `all ${ids.length} cases to complete`);
      const back = await eventually(async () => {
        const h = await health();
        return h.code === 200 ? h.body : undefined;
      }, 60_000, '/health ok again');
      expect(decisionConsumer(back).state).toBe('running');
      expect(decisionConsumer(back).restarts).toBeGreaterThanOrEqual(2);
      for (const id of ids) {
        const events = await engine.runtime.store.readStream(id);
        expect(events.filter((e) => e.type === 'DecisionRecorded')).toHaveLength(7);
      }
    } finally {
      if (brokerDown) kafkaSh('start');
      await departments.close();
      await app.close();
      await engine.close();
    }
  }, 600_000);
});
