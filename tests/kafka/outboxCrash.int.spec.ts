import { KafkaBus, OutboxRelay, openStore } from '@onematter/adapters';
import { systemClock } from '@onematter/api';
import { CommandHandler, type EventStore } from '@onematter/engine';
import { defaultCatalogue } from '@onematter/workflows';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BROKERS, caseState, eventually, freshTopics, kafkaDescribe, readTopic, settled, startEngine, startEnterpriseSetup } from './support.js';

/** The store as a process sees it that dies right after the broker acknowledged, before it marks the rows. */
const diesBeforeMarking = (store: EventStore): EventStore =>
  new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'markPublished') return async () => Promise.reject(new Error('process killed before marking'));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });

kafkaDescribe('an engine process killed between appending and publishing', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('publishes the task on restart: once in the store, at least once on the topic, decided once', async () => {
    const { topics } = freshTopics();
    const catalogue = defaultCatalogue();

    // 1. The command is durable (events and outbox rows in one transaction); the
    //    process dies before its relay runs.
    const first = await openStore({ kind: 'sqlite', dataDir });
    const caseId = await startEnterpriseSetup({ handler: new CommandHandler({ store: first, catalogue, clock: systemClock, topics }) });
    const rows = await first.readOutbox({ after: 0, limit: 100 });
    expect(rows.filter((r) => r.topic === topics.tasks('samr'))).toHaveLength(1);
    await first.close();
    expect(await readTopic(topics.tasks('samr'))).toHaveLength(0);

    // 2. A restarted process publishes and dies again before marking the rows.
    const second = await openStore({ kind: 'sqlite', dataDir });
    const bus = new KafkaBus({ brokers: BROKERS, topics, logLevel: 'nothing' });
    await bus.init();
    const relay = new OutboxRelay({ store: diesBeforeMarking(second), bus, pollIntervalMs: 50 });
    relay.start();
    await eventually(async () => ((await readTopic(topics.tasks('samr'))).length === 1) || undefined, 20_000, 'the samr task on its topic');
    await relay.stop();
    await bus.close();
    expect(await second.readOutbox({ after: 0, limit: 100 })).toHaveLength(rows.length);
    await second.close();

    // 3. The engine starts again on the same data: its relay publishes the rows once
    //    more; the simulated departments get the samr task twice and answer twice.
    const engine = await startEngine(topics, { dataDir, simulateDepartments: true });
    try {
      await eventually(async () => ((await caseState(engine.runtime, caseId)).status === 'completed') || undefined, 30_000, 'the case to complete');
      await settled(engine.runtime);
      expect(await engine.runtime.store.readOutbox({ after: 0, limit: 10 })).toHaveLength(0);

      const events = await engine.runtime.store.readStream(caseId);
      const samrDispatches = events.filter((e) => e.type === 'TaskDispatched' && (e.data as { step: string }).step === 'samr');
      expect(samrDispatches).toHaveLength(1);
      const samrDecisions = events.filter((e) => e.type === 'DecisionRecorded' && (e.data as { step: string }).step === 'samr');
      expect(samrDecisions).toHaveLength(1);

      const onTopic = await readTopic(topics.tasks('samr'));
      expect(onTopic.length).toBeGreaterThanOrEqual(2);
      expect(new Set(onTopic.map((m) => m.headers['event-id']))).toEqual(new Set([`${caseId}:${samrDispatches[0]!.position}`]));
      const eventsOnTopic = new Set((await readTopic(topics.events)).map((m) => m.headers['event-id']));
      for (const e of events) expect(eventsOnTopic.has(`${caseId}:${e.position}`)).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
