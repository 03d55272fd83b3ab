import type { CalendarBook } from '@onematter/adapters';
import { calendarAdjustments, replayFromStore, toShanghaiDate, type EventStore, type MatterCatalogue, type TimeLimitPolicy, type Timeline } from '@onematter/engine';

/**
 * The case timeline with a line wherever a calendar record (an imported notice, a region's
 * closure) moved one of the case's due dates while it was open:
 * 「因2027年放假安排公布，法定时限调整为…（原为…）」. The route and the CLI print the same.
 */
export async function withCalendarNotes(
  o: { store: EventStore; catalogue: MatterCatalogue; book: CalendarBook; policy?: TimeLimitPolicy },
  caseId: string,
  timeline: Timeline,
): Promise<Timeline> {
  const records = o.book.recorded;
  if (!records.some((r) => r.data.source !== 'built-in')) return timeline;
  const r = await replayFromStore({ store: o.store, catalogue: o.catalogue }, caseId, {});
  if (!r.ok || r.value.state.kind !== 'started') return timeline;
  const notes = calendarAdjustments(r.value.state, records, (t) => o.book.asOf(t), o.policy);
  const entries = [...timeline.entries];
  for (const n of notes) {
    let i = entries.findIndex((e) => e.at > n.at);
    if (i < 0) i = entries.length;
    const prev = entries[i - 1]!;
    const time = `${toShanghaiDate(n.at)} ${new Date(Date.parse(n.at) + 8 * 3_600_000).toISOString().slice(11, 19)}`;
    const who = '系统（工作日历）';
    entries.splice(i, 0, { ...prev, type: 'CalendarYearRecorded', at: n.at, time, actor: null, who, what: n.text, text: `${time}  ${who}：${n.text}〔${prev.clock}〕` });
  }
  return { ...timeline, entries };
}
