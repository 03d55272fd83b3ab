/**
 * The event log contract (EventLog in ports.ts): append with an expected revision, read a
 * stream, read everything in global order; durable across a restart where the store has a disk.
 */
import { describe, expect, it } from 'vitest';
import { canonicalize, type StoredEvent } from '@onematter/engine';
import { event, events, task, lastGlobal, withoutGlobal, settled, sleep, storeHarness, type ContractArgs } from './harness.js';

export const eventLogContract = (...[name, open, cleanup, options = {}]: ContractArgs) =>
  describe(`${name} event log`, () => {
    const { fresh, uninitialized, reopen, durableIt } = storeHarness(open, cleanup, options);

    it('reads back exactly what was appended: types, data, metadata, hashes, positions, times', async () => {
      const store = await fresh();
      const written = [
        event('case-1', 0, 'CaseOpened', {
          matter: 'open-a-restaurant',
          applicant: { name: '张三', idType: 'resident-id', idNumber: '110101199003071234' },
          // Members out of order: the hash covers the canonical (RFC 8785) text, with sorted keys.
          zeta: 1,
          alpha: [1.5, -2, null, true, 'x'],
          big: 9007199254740991,
        }),
        event('case-1', 1, 'TaskDispatched', { taskId: 't-1', department: 'samr' }, { v: 2, actor: 'system' }),
        event('case-1', 2, 'Noted', null),
      ];
      const result = await store.append({ streamId: 'case-1', events: written, expectedRevision: -1 });
      expect(result).toMatchObject({ ok: true, nextRevision: 2 });
      const last = lastGlobal(result);

      const read = await store.readStream('case-1');
      expect(read.map(withoutGlobal)).toEqual(written.map((e) => ({ streamId: 'case-1', ...e })));
      // A store that hands out its stored text keeps exactly the canonical text that was hashed.
      if (store.readAllText) {
        await settled(store, last);
        const texts = await store.readAllText({ after: last - 3, limit: 3 });
        expect(texts.map((e) => [e.dataText, e.metadataText])).toEqual(written.map((e) => [canonicalize(e.data), canonicalize(e.metadata)]));
        expect(texts.map(({ dataText: _d, metadataText: _m, ...rest }) => rest)).toEqual(read.map(({ data: _d, metadata: _m, ...rest }) => rest));
      }
      // One append takes consecutive global positions, the last one is reported.
      expect(read.map((e) => e.globalPosition)).toEqual([last - 2, last - 1, last]);
      expect(last - 2).toBeGreaterThanOrEqual(1);
      await settled(store, last);
      expect(await store.readAll({ after: 0, limit: 10 })).toEqual(read);
      expect(await store.headPosition()).toBe(last);
    });

    it('keeps its own copies: neither the appended objects nor the read ones can change the stream', async () => {
      const store = await fresh();
      const written = event('case-1', 0, 'CaseOpened', { form: { shopName: 'A' } });
      await store.append({ streamId: 'case-1', events: [written], expectedRevision: -1 });
      (written.data as { form: { shopName: string } }).form.shopName = 'changed by caller';
      const [first] = await store.readStream('case-1');
      (first!.data as { form: { shopName: string } }).form.shopName = 'changed by reader';
      first!.metadata.v = 99;
      const [again] = await store.readStream('case-1');
      expect(again!.data).toEqual({ form: { shopName: 'A' } });
      expect(again!.metadata.v).toBe(1);
    });

    it('reads an unknown stream as empty', async () => {
      const store = await fresh();
      expect(await store.readStream('case-never-opened')).toEqual([]);
      expect(await store.readAll({ after: 0, limit: 10 })).toEqual([]);
      expect(await store.headPosition()).toBe(0);
      expect(await store.readOutbox({ after: 0, limit: 10 })).toEqual([]);
    });

    it('refuses to open a stream twice: expected revision -1 on an existing stream writes nothing', async () => {
      const store = await fresh();
      const first = await store.append({
        streamId: 'case-1',
        events: events('case-1', 0, 2),
        expectedRevision: -1,
        outbox: [task('case-1', 'samr')],
      });
      await settled(store, lastGlobal(first));
      const outboxBefore = await store.readOutbox({ after: 0, limit: 10 });

      const second = await store.append({
        streamId: 'case-1',
        events: [event('case-1', 0, 'CaseOpened', { again: true })],
        expectedRevision: -1,
        outbox: [task('case-1', 'tax')],
      });

      expect(second).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: 1 } });
      expect((await store.readStream('case-1')).map(withoutGlobal)).toEqual(
        events('case-1', 0, 2).map((e) => ({ streamId: 'case-1', ...e })),
      );
      expect(await store.readOutbox({ after: 0, limit: 10 })).toEqual(outboxBefore);
      expect(await store.headPosition()).toBe(lastGlobal(first));
    });

    it('refuses an append at a stale revision, or at a revision the stream has not reached', async () => {
      const store = await fresh();
      await store.append({ streamId: 'case-1', events: events('case-1', 0, 2), expectedRevision: -1 });

      const stale = await store.append({ streamId: 'case-1', events: events('case-1', 1, 1), expectedRevision: 0 });
      expect(stale).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: 1 } });
      const ahead = await store.append({ streamId: 'case-1', events: events('case-1', 6, 1), expectedRevision: 5 });
      expect(ahead).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: 1 } });
      const onUnknown = await store.append({ streamId: 'case-2', events: events('case-2', 1, 1), expectedRevision: 0 });
      expect(onUnknown).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: -1 } });

      expect(await store.readStream('case-1')).toHaveLength(2);
      expect(await store.readStream('case-2')).toEqual([]);
      const next = await store.append({ streamId: 'case-1', events: events('case-1', 2, 1), expectedRevision: 1 });
      expect(next).toMatchObject({ ok: true, nextRevision: 2 });
    });

    it("appends with 'any' only where the stream ends", async () => {
      const store = await fresh();
      expect(await store.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: 'any' })).toMatchObject({
        ok: true,
        nextRevision: 0,
      });
      expect(await store.append({ streamId: 'case-1', events: events('case-1', 1, 2), expectedRevision: 'any' })).toMatchObject({
        ok: true,
        nextRevision: 2,
      });
      expect(await store.append({ streamId: 'case-1', events: events('case-1', 1, 1), expectedRevision: 'any' })).toMatchObject({
        ok: false,
        error: { kind: 'Concurrency', actualRevision: 2 },
      });
      expect((await store.readStream('case-1')).map((e) => e.position)).toEqual([0, 1, 2]);
    });

    it('rejects malformed appends (positions that do not follow the expected revision) as caller bugs', async () => {
      const store = await fresh();
      await expect(store.append({ streamId: 'case-1', events: [], expectedRevision: -1 })).rejects.toThrow(/no events/);
      await expect(store.append({ streamId: 'case-1', events: events('case-1', 1, 1), expectedRevision: -1 })).rejects.toThrow(
        /position/,
      );
      await expect(
        store.append({ streamId: 'case-1', events: [event('case-1', 0), event('case-1', 2)], expectedRevision: -1 }),
      ).rejects.toThrow(/position/);
      expect(await store.readStream('case-1')).toEqual([]);
    });

    it('lets exactly one of many concurrent writers win each revision', async () => {
      const store = await fresh();
      const writers = 20;
      const rounds = 5;
      for (let round = 0; round < rounds; round++) {
        const base = round * 2;
        const attempts = await Promise.all(
          Array.from({ length: writers }, (_, w) =>
            store.append({
              streamId: 'case-1',
              events: [event('case-1', base, 'Step', { w, round }), event('case-1', base + 1, 'Step', { w, round })],
              expectedRevision: base - 1,
              outbox: [task('case-1', `writer-${w}`)],
            }),
          ),
        );
        const winners = attempts.filter((r) => r.ok);
        expect(winners).toHaveLength(1);
        expect(winners[0]).toMatchObject({ nextRevision: base + 1 });
        for (const r of attempts.filter((a) => !a.ok)) {
          expect(r).toMatchObject({ ok: false, error: { kind: 'Concurrency', actualRevision: base + 1 } });
        }
      }
      const stream = await store.readStream('case-1');
      expect(stream.map((e) => e.position)).toEqual(Array.from({ length: rounds * 2 }, (_, i) => i));
      // Both events of a round come from the same winner, and only winners wrote outbox rows.
      for (let round = 0; round < rounds; round++) {
        expect(stream[round * 2]!.data).toEqual(stream[round * 2 + 1]!.data);
      }
      await settled(store, stream[stream.length - 1]!.globalPosition);
      const outbox = await store.readOutbox({ after: 0, limit: 100 });
      expect(outbox.map((m) => m.topic)).toEqual(stream.filter((e) => e.position % 2 === 0).map((e) => `onematter.tasks.writer-${(e.data as { w: number }).w}`));
    });

    it('gives a subscriber following readAll every event exactly once, in strictly increasing global order, while writers run', async () => {
      const store = await fresh();
      const streams = 16;
      const appendsPerStream = 8;
      const expected = new Map<string, StoredEvent>(); // `${streamId}@${position}` -> event with its global position
      let writing = true;

      const writer = async (s: number) => {
        const streamId = `case-${s}`;
        let revision = -1;
        for (let a = 0; a < appendsPerStream; a++) {
          const batch = events(streamId, revision + 1, 1 + ((s + a) % 3));
          const result = await store.append({ streamId, events: batch, expectedRevision: revision });
          if (!result.ok) throw new Error(result.error.message);
          batch.forEach((e, i) =>
            expected.set(`${streamId}@${e.position}`, {
              streamId,
              ...e,
              globalPosition: result.lastGlobalPosition - (batch.length - 1) + i,
            }),
          );
          revision = result.nextRevision;
        }
      };

      const seen: StoredEvent[] = [];
      const subscriber = async () => {
        let checkpoint = 0;
        for (;;) {
          const page = await store.readAll({ after: checkpoint, limit: 7 });
          seen.push(...page);
          if (page.length > 0) checkpoint = page[page.length - 1]!.globalPosition;
          if (!writing && page.length === 0 && checkpoint >= (await store.headPosition())) {
            const maxWritten = Math.max(0, ...[...expected.values()].map((e) => e.globalPosition));
            if (checkpoint >= maxWritten) return;
          }
          if (page.length === 0) await sleep(1);
        }
      };

      const following = subscriber();
      await Promise.all(Array.from({ length: streams }, (_, s) => writer(s)));
      writing = false;
      await following;

      const positions = seen.map((e) => e.globalPosition);
      for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]!);
      expect(seen).toHaveLength(expected.size);
      for (const e of seen) expect(e).toEqual(expected.get(`${e.streamId}@${e.position}`));
    });

    it('keeps a long case of 10,000 events in order, and reads it from any position', async () => {
      const store = await fresh();
      for (let from = 0; from < 10_000; from += 100) {
        const r = await store.append({ streamId: 'case-long', events: events('case-long', from, 100), expectedRevision: from - 1 });
        expect(r.ok).toBe(true);
      }
      const all = await store.readStream('case-long');
      expect(all).toHaveLength(10_000);
      all.forEach((e, i) => {
        expect(e.position).toBe(i);
        expect(e.hash).toBe(`case-long#${i}`);
      });
      expect((await store.readStream('case-long', { fromPosition: 9_990 })).map((e) => e.position)).toEqual([
        9990, 9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999,
      ]);
      expect((await store.readStream('case-long', { fromPosition: 5_000, maxCount: 3 })).map((e) => e.position)).toEqual([
        5000, 5001, 5002,
      ]);
      expect(await store.readStream('case-long', { fromPosition: 10_000 })).toEqual([]);
    });

    it('pages through the global order with after and limit', async () => {
      const store = await fresh();
      let last = 0;
      for (let round = 0; round < 5; round++) {
        for (const s of ['case-a', 'case-b', 'case-c']) {
          last = lastGlobal(await store.append({ streamId: s, events: events(s, round * 2, 2), expectedRevision: round * 2 - 1 }));
        }
      }
      await settled(store, last);
      const everything = await store.readAll({ after: 0, limit: 1_000 });
      expect(everything).toHaveLength(30);
      expect(everything[everything.length - 1]!.globalPosition).toBe(last);
      expect(await store.headPosition()).toBe(last);

      const paged: StoredEvent[] = [];
      for (let after = 0; ; ) {
        const page = await store.readAll({ after, limit: 4 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(4);
        paged.push(...page);
        after = page[page.length - 1]!.globalPosition;
      }
      expect(paged).toEqual(everything);
      expect(await store.readAll({ after: last, limit: 10 })).toEqual([]);
      const middle = everything[12]!.globalPosition;
      expect(await store.readAll({ after: middle, limit: 2 })).toEqual(everything.slice(13, 15));
    });

    it('can be initialized twice, and by two stores at once', async () => {
      const store = await fresh();
      await store.init();
      const r = await store.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1 });
      expect(r.ok).toBe(true);
      await store.init();
      expect(await store.readStream('case-1')).toHaveLength(1);

      if (options.reopen) {
        // Two processes starting on an empty database: both migrate, neither fails.
        const a = await uninitialized();
        const b = await reopen(a);
        await Promise.all([a.init(), b.init()]);
        await a.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1 });
        expect(await b.readStream('case-1')).toHaveLength(1);
      } else {
        await Promise.all([store.init(), store.init()]);
        expect(await store.readStream('case-1')).toHaveLength(1);
      }
    });

    it('completes appends already accepted when it is closed', async () => {
      const store = await fresh();
      const pending = Array.from({ length: 10 }, (_, s) =>
        store.append({ streamId: `case-${s}`, events: events(`case-${s}`, 0, 2), expectedRevision: -1 }),
      );
      await store.close();
      for (const r of await Promise.all(pending)) expect(r.ok).toBe(true);
      await expect(store.append({ streamId: 'late', events: events('late', 0, 1), expectedRevision: -1 })).rejects.toThrow();
      if (options.reopen) {
        const again = await reopen(store);
        await again.init();
        for (let s = 0; s < 10; s++) expect(await again.readStream(`case-${s}`)).toHaveLength(2);
      }
    });

    durableIt('keeps every acknowledged event and outbox message across close and reopen', async () => {
      const store = await fresh();
      const first = await store.append({
        streamId: 'case-1',
        events: events('case-1', 0, 3),
        expectedRevision: -1,
        outbox: [task('case-1', 'samr')],
      });
      await settled(store, lastGlobal(first));
      const before = await store.readAll({ after: 0, limit: 100 });
      const outboxBefore = await store.readOutbox({ after: 0, limit: 100 });
      await store.close();

      const again = await reopen(store);
      await again.init();
      expect(await again.readStream('case-1')).toEqual(before);
      expect(await again.readAll({ after: 0, limit: 100 })).toEqual(before);
      expect(await again.readOutbox({ after: 0, limit: 100 })).toEqual(outboxBefore);
      expect(await again.headPosition()).toBe(lastGlobal(first));
      // The revision survived too: a stale append still conflicts, the right one follows on.
      expect(await again.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1 })).toMatchObject({
        ok: false,
        error: { actualRevision: 2 },
      });
      const next = await again.append({ streamId: 'case-1', events: events('case-1', 3, 1), expectedRevision: 2 });
      expect(lastGlobal(next)).toBeGreaterThan(lastGlobal(first));
    });

    durableIt('sees revisions written by another store on the same database', async () => {
      const a = await fresh();
      const b = await reopen(a);
      await b.init();
      await a.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1 });
      expect(await b.append({ streamId: 'case-1', events: events('case-1', 0, 1), expectedRevision: -1 })).toMatchObject({
        ok: false,
        error: { kind: 'Concurrency', actualRevision: 0 },
      });
      expect(await b.append({ streamId: 'case-1', events: events('case-1', 1, 1), expectedRevision: 0 })).toMatchObject({
        ok: true,
        nextRevision: 1,
      });
      expect((await a.readStream('case-1')).map((e) => e.position)).toEqual([0, 1]);
    });
  });
