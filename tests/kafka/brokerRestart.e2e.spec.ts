import { verifyChain, type StoredEvent } from '@onematter/engine';
import { expect, it } from 'vitest';
import {
  caseState,
  eventually,
  freshTopics,
  kafkaDescribe,
  kafkaSh,
  readTopic,
  settled,
  startEngine,
  startEnterpriseSetup,
  startOtherDepartments,
} from './support.js';

/**
 * How many cases run while the broker goes down: 200, as the issue asks (about 20 s
 * here, most of it the broker's own restart); KAFKA_RESTART_CASES=50 for a quicker loop.
 */
const CASES = Number(process.env.KAFKA_RESTART_CASES ?? 200);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

kafkaDescribe('the broker stopped and restarted in the middle of running cases', () => {
  it(`completes all ${CASES} cases with no event lost or duplicated in the store, every event on onematter.events`, async () => {
    if (kafkaSh('status').code !== 0) {
      throw new Error('this test restarts the broker with infra/kafka/kafka.sh, but the broker it reaches was not started by it; run `npm run kafka:start`');
    }
    const { topics } = freshTopics();
    const engine = await startEngine(topics);
    // The departments are another system: their own bus, producer and consumer groups.
    const departments = await startOtherDepartments(topics, [200, 1500]);
    const t0 = Date.now();
    try {
      const ids: string[] = [];
      for (let i = 0; i < CASES; i += 25) {
        ids.push(...(await Promise.all(Array.from({ length: Math.min(25, CASES - i) }, () => startEnterpriseSetup(engine.runtime)))));
      }
      const progress = async () => {
        let decided = 0;
        let completed = 0;
        for (const id of ids) {
          const s = await caseState(engine.runtime, id);
          decided += Object.values(s.tasks).filter((t) => t.status === 'approved').length;
          if (s.status === 'completed') completed++;
        }
        return { decided, completed };
      };

      // In the middle: some departments have answered, most cases are still running.
      await eventually(async () => ((await progress()).decided >= CASES) || undefined, 60_000, 'some decisions');
      const atStop = await progress();
      kafkaSh('stop');
      const stoppedAt = Date.now();
      try {
        await sleep(1_000);
      } finally {
        kafkaSh('start');
      }
      const outageMs = Date.now() - stoppedAt;
      expect(atStop.completed).toBeLessThan(CASES);

      await eventually(async () => ((await progress()).completed === CASES) || undefined, 120_000, `all ${CASES} cases to complete`);
      await settled(engine.runtime, 60_000);

      // The store: each case whole, hash-chained, every task dispatched and decided once.
      const stored = new Map<string, StoredEvent[]>();
      for (const id of ids) {
        const events = await engine.runtime.store.readStream(id);
        stored.set(id, events);
        expect(verifyChain(id, events)).toBeUndefined();
        const count = (type: string) => events.filter((e) => e.type === type).length;
        expect(count('CaseStarted')).toBe(1);
        expect(count('CaseCompleted')).toBe(1);
        expect(count('TaskDispatched')).toBe(7);
        expect(count('DecisionRecorded')).toBe(7);
        const decidedTasks = events.filter((e) => e.type === 'DecisionRecorded').map((e) => (e.data as { taskId: string }).taskId);
        expect(new Set(decidedTasks).size).toBe(7);
      }

      // The events topic: every stored event at least once (dedupe by event-id), nothing
      // else, and per case the first copies in stream order.
      const onTopic = await readTopic(topics.events, 60_000);
      const firstSeen = new Map<string, string[]>();
      const seen = new Set<string>();
      for (const m of onTopic) {
        const id = m.headers['event-id']!;
        if (seen.has(id)) continue;
        seen.add(id);
        firstSeen.set(m.key, [...(firstSeen.get(m.key) ?? []), id]);
      }
      let expected = 0;
      for (const [id, events] of stored) {
        expected += events.length;
        expect(firstSeen.get(id)).toEqual(events.map((e) => `${id}:${e.position}`));
      }
      expect(seen.size).toBe(expected);
      process.stderr.write(
        `broker restart: ${CASES} cases, ${expected} events, ${onTopic.length - expected} duplicate copies on the topic, ` +
          `stopped at ${atStop.decided} decisions / ${atStop.completed} completed, outage ${outageMs} ms, total ${Date.now() - t0} ms\n`,
      );
    } finally {
      await departments.close();
      await engine.close();
    }
  }, 170_000);
});
