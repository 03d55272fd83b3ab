/**
 * The read model contract: every store (memory, SQLite, PostgreSQL, KurrentDB) keeps the
 * projections' documents the same way, so the case list and the work queues behave alike
 * on all of them. Called from each store's spec file, after the event store contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore, ReadModelDocument, ReadModelStore } from '@onematter/engine';

type Store = EventStore & { readonly readModels: ReadModelStore };

export const readModelStoreContract = (
  name: string,
  open: () => Promise<Store>,
  cleanup?: (store: Store) => Promise<void>,
  options: { reopen?: (store: Store) => Promise<Store> } = {},
) =>
  describe(`${name} read model store`, () => {
    const opened: Store[] = [];
    const others: Store[] = [];
    afterEach(async () => {
      for (const s of [...others.splice(0), ...opened]) await s.close().catch(() => {});
      for (const s of opened.splice(0)) await cleanup?.(s);
    });
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      await store.init();
      return store;
    };

    it('starts empty, at checkpoint 0', async () => {
      const store = await fresh();
      expect(await store.readModels.readModelCheckpoint('case-list')).toBe(0);
      expect(await store.readModels.getDocuments('case-list', ['a'])).toEqual([]);
      expect(await store.readModels.queryDocuments('case-list', { limit: 10 })).toEqual([]);
      expect(await store.readModels.queryDocuments('case-list', { tags: ['status:completed'], limit: 10 })).toEqual([]);
      expect(await store.readModels.countDocuments('case-list')).toBe(0);
    });

    it('saves documents with their checkpoint, which readCheckpoint reports too', async () => {
      const store = await fresh();
      const a = doc('case-a', 3, ['status:in-progress', 'department:samr'], { 名称: '一件事', zeta: 1, alpha: [1, null] });
      expect(await store.readModels.commitReadModel('case-list', { expected: 0, checkpoint: 7, upserts: [a], deletes: [] })).toBe(true);
      expect(await store.readModels.readModelCheckpoint('case-list')).toBe(7);
      expect(await store.readCheckpoint('case-list')).toBe(7);
      const [back] = await store.readModels.getDocuments('case-list', ['case-a', 'case-missing']);
      expect(back).toEqual(a);
      expect(JSON.stringify(back!.doc)).toBe(JSON.stringify(a.doc));
      // The store keeps its own copy.
      (back!.doc as { zeta: number }).zeta = 99;
      expect((await store.readModels.getDocuments('case-list', ['case-a']))[0]!.doc).toEqual(a.doc);
    });

    it('answers queries by every given tag, newest position first, below a cursor, up to a limit', async () => {
      const store = await fresh();
      const docs = [
        doc('c1', 1, ['status:completed', 'department:samr', 'department:tax']),
        doc('c2', 2, ['status:in-progress', 'department:samr', 'task:samr:pending']),
        doc('c3', 5, ['status:in-progress', 'department:tax', 'task:tax:pending']),
        doc('c4', 9, ['status:in-progress', 'department:samr', 'department:tax', 'task:samr:pending']),
      ];
      await store.readModels.commitReadModel('case-list', { expected: 0, checkpoint: 20, upserts: docs, deletes: [] });
      const keys = async (q: { tags?: string[]; before?: number; limit: number }) => (await store.readModels.queryDocuments('case-list', q)).map((d) => d.key);
      expect(await keys({ limit: 10 })).toEqual(['c4', 'c3', 'c2', 'c1']);
      expect(await keys({ tags: ['department:samr'], limit: 10 })).toEqual(['c4', 'c2', 'c1']);
      expect(await keys({ tags: ['task:samr:pending', 'status:in-progress'], limit: 10 })).toEqual(['c4', 'c2']);
      expect(await keys({ tags: ['department:tax', 'department:samr'], limit: 10 })).toEqual(['c4', 'c1']);
      expect(await keys({ tags: ['department:samr'], before: 9, limit: 1 })).toEqual(['c2']);
      expect(await keys({ before: 5, limit: 10 })).toEqual(['c2', 'c1']);
      expect(await keys({ tags: ['status:rejected'], limit: 10 })).toEqual([]);
      expect(await store.readModels.countDocuments('case-list')).toBe(4);
      expect(await store.readModels.countDocuments('case-list', 'status:in-progress')).toBe(3);
    });

    it('answers the keys and positions of a query without the documents, and documents as JSON text without the fields left out', async () => {
      const store = await fresh();
      await store.readModels.commitReadModel('case-list', {
        expected: 0,
        checkpoint: 9,
        upserts: [
          doc('c1', 1, ['department:samr'], { id: 'c1', 名称: '一件事', search: ['q:x'], n: 1.5, tasks: { a: { search: 'kept' } } }),
          doc('c2', 2, ['department:samr', 'department:tax'], { id: 'c2', search: [] }),
          doc('c3', 3, ['department:tax'], { id: 'c3' }),
        ],
        deletes: [],
      });
      const rm = store.readModels;
      expect(await rm.queryKeys('case-list', { tags: ['department:samr'], limit: 10 })).toEqual([{ key: 'c2', position: 2 }, { key: 'c1', position: 1 }]);
      expect(await rm.queryKeys('case-list', { tags: ['department:samr', 'department:tax'], limit: 10 })).toEqual([{ key: 'c2', position: 2 }]);
      expect(await rm.queryKeys('case-list', { before: 3, limit: 1 })).toEqual([{ key: 'c2', position: 2 }]);
      expect(await rm.queryKeys('case-list', { tags: ['department:none'], limit: 10 })).toEqual([]);

      const texts = async (keys: string[], omit?: string[]) =>
        Object.fromEntries((await rm.getDocumentTexts('case-list', keys, omit)).map((t) => [t.key, JSON.parse(t.json) as unknown]));
      expect(await texts(['c1', 'c3', 'missing'])).toEqual({ c1: { id: 'c1', 名称: '一件事', search: ['q:x'], n: 1.5, tasks: { a: { search: 'kept' } } }, c3: { id: 'c3' } });
      // Only the top-level field goes; the others keep their order.
      const [c1] = await rm.getDocumentTexts('case-list', ['c1'], ['search']);
      expect(JSON.parse(c1!.json)).toEqual({ id: 'c1', 名称: '一件事', n: 1.5, tasks: { a: { search: 'kept' } } });
      expect(Object.keys(JSON.parse(c1!.json) as object)).toEqual(['id', '名称', 'n', 'tasks']);
      expect(await texts(['c2', 'c3'], ['search', 'id'])).toEqual({ c2: {}, c3: {} });
      expect(await rm.getDocumentTexts('case-list', [], ['search'])).toEqual([]);
    });

    it('replaces a document and its tags on upsert, and forgets it on delete', async () => {
      const store = await fresh();
      await store.readModels.commitReadModel('case-list', {
        expected: 0,
        checkpoint: 2,
        upserts: [doc('c1', 1, ['status:in-progress', 'task:samr:pending']), doc('c2', 2, ['status:in-progress'])],
        deletes: [],
      });
      expect(
        await store.readModels.commitReadModel('case-list', {
          expected: 2,
          checkpoint: 4,
          upserts: [doc('c1', 1, ['status:completed'], { done: true })],
          deletes: ['c2', 'never-there'],
        }),
      ).toBe(true);
      expect(await store.readModels.queryDocuments('case-list', { tags: ['task:samr:pending'], limit: 10 })).toEqual([]);
      expect(await store.readModels.queryDocuments('case-list', { tags: ['status:in-progress'], limit: 10 })).toEqual([]);
      expect(await store.readModels.queryDocuments('case-list', { tags: ['status:completed'], limit: 10 })).toEqual([doc('c1', 1, ['status:completed'], { done: true })]);
      expect(await store.readModels.getDocuments('case-list', ['c2'])).toEqual([]);
      expect(await store.readModels.countDocuments('case-list')).toBe(1);

      // Some tags kept, one dropped, one added; then the document moves (every tag row moves with it).
      await store.readModels.commitReadModel('case-list', { expected: 4, checkpoint: 5, upserts: [doc('c1', 1, ['status:completed', 'a', 'b'])], deletes: [] });
      await store.readModels.commitReadModel('case-list', { expected: 5, checkpoint: 6, upserts: [doc('c1', 1, ['b', 'status:completed', 'c'])], deletes: [] });
      const keys = async (tags: string[], before?: number) =>
        (await store.readModels.queryKeys('case-list', { tags, limit: 10, ...(before !== undefined ? { before } : {}) })).map((d) => `${d.key}@${d.position}`);
      expect([await keys(['a']), await keys(['b']), await keys(['c']), await keys(['status:completed'])]).toEqual([[], ['c1@1'], ['c1@1'], ['c1@1']]);
      await store.readModels.commitReadModel('case-list', { expected: 6, checkpoint: 7, upserts: [doc('c1', 8, ['b', 'd'])], deletes: [] });
      expect([await keys(['b']), await keys(['b'], 8), await keys(['c']), await keys(['d'])]).toEqual([['c1@8'], [], [], ['c1@8']]);
      expect(await store.readModels.countDocuments('case-list', 'b')).toBe(1);
    });

    it('refuses a commit computed on a checkpoint another writer has moved, and lets one of two racing commits win', async () => {
      const store = await fresh();
      await store.readModels.commitReadModel('case-list', { expected: 0, checkpoint: 5, upserts: [doc('c1', 1, ['a'])], deletes: [] });
      expect(await store.readModels.commitReadModel('case-list', { expected: 3, checkpoint: 9, upserts: [doc('c9', 9, ['a'])], deletes: ['c1'] })).toBe(false);
      expect((await store.readModels.queryDocuments('case-list', { limit: 10 })).map((d) => d.key)).toEqual(['c1']);
      expect(await store.readModels.readModelCheckpoint('case-list')).toBe(5);

      const racing = await Promise.all(
        [6, 7, 8].map((checkpoint) =>
          store.readModels.commitReadModel('case-list', { expected: 5, checkpoint, upserts: [doc(`c${checkpoint}`, checkpoint, ['a'])], deletes: [] }),
        ),
      );
      expect(racing.filter(Boolean)).toHaveLength(1);
      const winner = [6, 7, 8][racing.indexOf(true)]!;
      expect(await store.readModels.readModelCheckpoint('case-list')).toBe(winner);
      expect((await store.readModels.queryDocuments('case-list', { limit: 10 })).map((d) => d.key)).toEqual([`c${winner}`, 'c1']);
    });

    it('keeps projections apart, and resets one to start a rebuild from 0', async () => {
      const store = await fresh();
      await store.readModels.commitReadModel('case-list', { expected: 0, checkpoint: 4, upserts: [doc('k', 1, ['t'])], deletes: [] });
      await store.readModels.commitReadModel('work-queue', { expected: 0, checkpoint: 3, upserts: [doc('k', 2, ['t'], { other: true })], deletes: [] });
      expect((await store.readModels.getDocuments('work-queue', ['k']))[0]!.doc).toEqual({ other: true });
      await store.readModels.resetReadModel('case-list');
      expect(await store.readModels.readModelCheckpoint('case-list')).toBe(0);
      expect(await store.readModels.queryDocuments('case-list', { tags: ['t'], limit: 10 })).toEqual([]);
      expect(await store.readModels.readModelCheckpoint('work-queue')).toBe(3);
      expect(await store.readModels.countDocuments('work-queue', 't')).toBe(1);
      expect(await store.readModels.commitReadModel('case-list', { expected: 0, checkpoint: 1, upserts: [doc('k', 1, ['t'])], deletes: [] })).toBe(true);
    });

    if (options.reopen) {
      it('keeps documents and checkpoints across close and reopen', async () => {
        const store = await fresh();
        const a = doc('case-a', 3, ['status:in-progress'], { n: 1 });
        await store.readModels.commitReadModel('case-list', { expected: 0, checkpoint: 7, upserts: [a], deletes: [] });
        await store.close();
        const again = await options.reopen!(store);
        others.push(again);
        await again.init();
        expect(await again.readModels.readModelCheckpoint('case-list')).toBe(7);
        expect(await again.readModels.queryDocuments('case-list', { tags: ['status:in-progress'], limit: 10 })).toEqual([a]);
      });
    }
  });

function doc(key: string, position: number, tags: string[], body: unknown = { key }): ReadModelDocument {
  return { key, position, tags, doc: body };
}
