import { randomUUID } from 'node:crypto';
import { seniorCardV1 } from '@onematter/workflows';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { triggeredCaseId } from '@onematter/api';
import { eventually, freshTopics, kafkaDescribe, produceRaw, startEngine, type Engine } from './support.js';

/**
 * 免申即办 over Kafka: the residents' registry publishes a BirthdayReached event on
 * `registry.residents`, twice (a producer retry, a redelivery); the engine starts one
 * 老年证 case for it, whose id comes from the event.
 */
kafkaDescribe('免申即办 from a registry topic on Kafka', () => {
  const { topics } = freshTopics();
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine(topics);
  });
  afterAll(async () => engine?.close());

  it('starts one case for an event delivered twice', { timeout: 120_000 }, async () => {
    const eventId = `resident-${randomUUID()}`;
    const value = JSON.stringify({ type: 'BirthdayReached', age: 60, eventId, person: seniorCardV1.example.person });
    await produceRaw('registry.residents', [{ key: eventId, value }]);
    await produceRaw('registry.residents', [{ key: eventId, value }]);
    const caseId = triggeredCaseId('senior-card', eventId);
    await eventually(async () => ((await engine.runtime.store.readStream(caseId)).length > 0 ? true : undefined), 90_000, 'the triggered case');
    // Both deliveries handled: the consumer has moved past the second one.
    await new Promise((r) => setTimeout(r, 3000));
    const events = await engine.runtime.store.readStream(caseId);
    expect(events.filter((e) => e.type === 'CaseStarted')).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ matter: 'senior-card', channel: 'none', trigger: { topic: 'registry.residents', eventId } });
  });
});
