import { KafkaBus } from '@onematter/adapters';
import type { BusMessage } from '@onematter/engine';
import { afterEach, expect, it } from 'vitest';
import { BROKERS, caughtUp, eventually, freshTopics, kafkaDescribe, produceRaw } from './support.js';

/** The in-process bus's semantics, over a real broker: what the engine and departments rely on. */
kafkaDescribe('KafkaBus', () => {
  const buses: KafkaBus[] = [];
  const open = () => {
    const { topics } = freshTopics();
    const bus = new KafkaBus({ brokers: BROKERS, topics, logLevel: 'nothing', retryDelayMs: 200 });
    buses.push(bus);
    return { bus, topic: topics.decisions };
  };
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
  });

  it('gives a message whose handler threw again, holding later messages with its key and not the others', async () => {
    const { bus, topic } = open();
    const seen: string[] = [];
    let failed = false;
    await bus.subscribe(topic, async (m: BusMessage) => {
      const v = m.value as { n: string };
      if (v.n === 'a1' && !failed) {
        failed = true;
        seen.push('a1 failed');
        throw new Error('transient');
      }
      seen.push(v.n);
    }, { group: 'g' });
    await bus.publish([
      { topic, key: 'case-a', headers: {}, value: { n: 'a1' } },
      { topic, key: 'case-a', headers: {}, value: { n: 'a2' } },
      { topic, key: 'case-b', headers: {}, value: { n: 'b1' } },
    ]);
    await eventually(() => seen.length === 4 || undefined, 10_000, 'all handled');
    expect(seen.indexOf('a1 failed')).toBeLessThan(seen.indexOf('a1'));
    expect(seen.indexOf('a1')).toBeLessThan(seen.indexOf('a2'));
    expect(seen).toContain('b1');
    // b1 did not wait for a1's retry (when both share a partition, they share a batch).
    expect(seen.indexOf('b1')).toBeLessThan(seen.indexOf('a1'));
  });

  it('delivers headers and key as published, and a value that is not JSON as raw text, without blocking', async () => {
    const { bus, topic } = open();
    const got: BusMessage[] = [];
    await bus.subscribe(topic, async (m) => void got.push(m), { group: 'g' });
    await produceRaw(topic, [{ key: 'case-x', value: 'not json' }]);
    await bus.publish([{ topic, key: 'case-x', headers: { 'event-id': 'case-x:1', 'event-type': 'T' }, value: { ok: '一件事' } }]);
    await eventually(() => got.length === 2 || undefined, 10_000, 'both messages');
    expect(got[0]).toMatchObject({ key: 'case-x', value: 'not json', headers: { 'value-encoding': 'raw' } });
    expect(got[1]).toMatchObject({ key: 'case-x', value: { ok: '一件事' }, headers: { 'event-id': 'case-x:1', 'event-type': 'T' } });
  });

  it('lets a handler in flight finish on close and commits it: the group does not get it again', async () => {
    const { bus, topic } = open();
    let finished = 0;
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const sub = await bus.subscribe(topic, async () => {
      started();
      await new Promise((r) => setTimeout(r, 500));
      finished++;
    }, { group: 'g' });
    await bus.publish([{ topic, key: 'k', headers: {}, value: { n: 1 } }]);
    await inFlight;
    await sub.close();
    expect(finished).toBe(1);
    await caughtUp(`g@${topic}`, topic);

    const again: unknown[] = [];
    await bus.subscribe(topic, async (m) => void again.push(m.value), { group: 'g' });
    await bus.publish([{ topic, key: 'k', headers: {}, value: { n: 2 } }]);
    await eventually(() => again.length >= 1 || undefined, 10_000, 'the next message');
    expect(again).toEqual([{ n: 2 }]);
  });
});
