import { describe, expect, it } from 'vitest';
import type { PreparedEvent } from '@onematter/engine';
import { MemoryEventStore } from '../stores/memory/index.js';
import { CaseListProjection, trackAppends } from './caseList.js';
import { LogFollower } from './logFollower.js';

const at = '2026-03-03T09:00:00.000Z';
const event = (position: number, type: string, data: Record<string, unknown>): PreparedEvent => ({
  position,
  type,
  data: { ...data, at },
  metadata: { v: 1 },
  recordedAt: at,
  prevHash: '',
  hash: `h${position}`,
});

/** A case started with a task pending at `department`, appended through `store`. */
async function startCase(store: MemoryEventStore, id: string, department: string): Promise<void> {
  const r = await store.append({
    streamId: id,
    expectedRevision: -1,
    events: [
      event(0, 'CaseStarted', { matter: 'm', matterVersion: 1, applicant: { name: '张三', idNumber: '110101199003070011' }, form: {} }),
      event(1, 'TaskDispatched', { taskId: `${id}.s`, step: 's', department, service: 'svc' }),
    ],
  });
  if (!r.ok) throw new Error(r.error.message);
}

function setUp(freshMs = 60_000) {
  const raw = new MemoryEventStore();
  const reads: number[] = [];
  const readAll = raw.readAll.bind(raw);
  raw.readAll = async (options) => {
    const events = await readAll(options);
    reads.push(events.length);
    return events;
  };
  const tracked = trackAppends(raw);
  const follower = new LogFollower({ store: raw });
  const list = new CaseListProjection({ store: raw, readModels: raw.readModels, lastAppended: tracked.lastAppended, follower, freshMs });
  return { raw, store: tracked.store as MemoryEventStore, reads, list };
}

const queue = { department: 'tax', taskStatus: 'pending' as const, limit: 10 };

describe('the case list catch-up', () => {
  it('shows a case as soon as its start was acknowledged, and reads nothing for a query with nothing new since', async () => {
    const { store, reads, list } = setUp();
    await startCase(store, 'c1', 'tax');
    expect((await list.query(queue)).items.map((c) => c.id)).toEqual(['c1']);
    const readsBefore = reads.length;
    for (let i = 0; i < 5; i++) expect(JSON.parse(await list.queryJson(queue))).toEqual(await list.query(queue));
    expect(reads.length).toBe(readsBefore);

    await startCase(store, 'c2', 'tax');
    expect((await list.query(queue)).items.map((c) => c.id)).toEqual(['c2', 'c1']);
    expect(reads.length).toBeGreaterThan(readsBefore);
  });

  it('shares one pass among concurrent queries', async () => {
    const { store, reads, list } = setUp();
    await list.catchUp();
    await startCase(store, 'c1', 'tax');
    await startCase(store, 'c2', 'tax');
    const readsBefore = reads.length;
    const pages = await Promise.all(Array.from({ length: 8 }, () => list.query(queue)));
    for (const page of pages) expect(page.items.map((c) => c.id)).toEqual(['c2', 'c1']);
    // One shared read of the new events, one that finds nothing more: not one per query.
    expect(reads.length - readsBefore).toBeLessThanOrEqual(2);
  });

  it('reads again for what another process appended once the last catch-up is older than freshMs', async () => {
    const { raw, list } = setUp(0);
    expect((await list.query(queue)).items).toEqual([]);
    await startCase(raw, 'elsewhere', 'tax'); // not through this process's tracked store
    expect((await list.query(queue)).items.map((c) => c.id)).toEqual(['elsewhere']);
  });

  it('answers a work queue page as the JSON of its summaries, without their search tags, with a cursor to the next page', async () => {
    const { store, list } = setUp();
    for (const id of ['c1', 'c2', 'c3']) await startCase(store, id, 'tax');
    const first = JSON.parse(await list.queryJson({ ...queue, limit: 2 })) as { items: Record<string, unknown>[]; nextCursor: string };
    expect(first.items.map((c) => c.id)).toEqual(['c3', 'c2']);
    expect(first.items[0]).toMatchObject({ id: 'c3', applicantName: '张三', tasks: { s: { department: 'tax', status: 'pending' } } });
    expect(first.items.every((c) => !('search' in c))).toBe(true);
    const second = JSON.parse(await list.queryJson({ ...queue, limit: 2, cursor: first.nextCursor })) as { items: { id: string }[]; nextCursor: string | null };
    expect(second).toEqual({ items: [expect.objectContaining({ id: 'c1' })], nextCursor: null });
  });
});
