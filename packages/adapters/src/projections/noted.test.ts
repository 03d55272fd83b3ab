/** Test helpers for the projection specs: `Noted` events appended to a memory store. */
import type { PreparedEvent } from '@onematter/engine';
import type { MemoryEventStore } from '../stores/memory/index.js';

export const noted = (position: number, data: Record<string, unknown> = { position }): PreparedEvent => ({
  position,
  type: 'Noted',
  data,
  metadata: { v: 1 },
  recordedAt: '2025-03-03T09:00:00.000Z',
  prevHash: '',
  hash: `h${position}`,
});

/** Appends `count` events to `stream` from stream position `from`. */
export async function write(store: MemoryEventStore, stream: string, from: number, count: number, data?: (position: number) => Record<string, unknown>): Promise<void> {
  const r = await store.append({ streamId: stream, events: Array.from({ length: count }, (_, i) => noted(from + i, data?.(from + i))), expectedRevision: from - 1 });
  if (!r.ok) throw new Error(r.error.message);
}
