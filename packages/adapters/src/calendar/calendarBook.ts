import {
  CALENDAR_STREAM,
  WorkingCalendar,
  builtInRecords,
  calendarAsOf,
  calendarRecordsOf,
  calendarYearRecorded,
  prepareChained,
  toShanghaiDate,
  type CalendarRecord,
  type CalendarSource,
  type EventStore,
  type NoticeYear,
} from '@onematter/engine';
import { withPredictedYears } from './predict.js';

/** Where the built-in years come from (cn-data.ts is generated from this package). */
export const BUILT_IN_CALENDAR = 'chinese-days@1.5.7';

/** How many years past the later of today and the last known year are predicted. */
const PREDICTED_AHEAD = 3;

/**
 * The working-day calendar as the store records it (`$calendar`, see the engine's
 * calendar/events.ts), for one process: the built-in data (and a `--calendar-file`
 * overlay), every recorded year applied, and the years after them predicted and marked
 * provisional. `refresh()` reads what other processes recorded since, so a running server
 * picks up an import within a poll.
 */
export class CalendarBook {
  private records: CalendarRecord[] = [];
  private revision = -1;
  private head: { revision: number; hash: string } | undefined;
  private current: WorkingCalendar;

  constructor(
    private readonly store: EventStore,
    private readonly o: { base?: WorkingCalendar; now: () => Date },
  ) {
    this.current = this.build();
  }

  /** The calendar now: known years from the store, the rest predicted. */
  get calendar(): WorkingCalendar {
    return this.current;
  }

  /** The calendar that was known at `asOf` (what a clerk saw then), with the same predictions. */
  asOf(asOf: Date | string): WorkingCalendar {
    return this.build(asOf);
  }

  /** The records read so far, in order. */
  get recorded(): readonly CalendarRecord[] {
    return this.records;
  }

  /** Reads new records; true when the calendar changed. */
  async refresh(): Promise<boolean> {
    const events = await this.store.readStream(CALENDAR_STREAM, { fromPosition: this.revision + 1 });
    if (events.length === 0) return false;
    const last = events[events.length - 1]!;
    this.revision = last.position;
    this.head = { revision: last.position, hash: last.hash };
    this.records = [...this.records, ...calendarRecordsOf(events)];
    this.current = this.build();
    return true;
  }

  /**
   * Records a year's days. The first record of a store also records the built-in years (source
   * `built-in`), so the stream alone says where every year came from. Retries a lost race.
   */
  async record(y: NoticeYear, meta: { source: CalendarSource; title?: string; region?: string; actor: string }): Promise<{ position: number; before: WorkingCalendar; after: WorkingCalendar }> {
    const before = this.current;
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.refresh();
      const at = this.o.now().toISOString();
      const events = [
        ...(this.revision < 0 ? builtInRecords(WorkingCalendar.china(), `${BUILT_IN_CALENDAR} (built-in)`, at) : []),
        calendarYearRecorded(y, meta.source, at, { ...(meta.title !== undefined ? { title: meta.title } : {}), ...(meta.region !== undefined ? { region: meta.region } : {}) }),
      ];
      const prepared = prepareChained(CALENDAR_STREAM, this.head, events, meta.actor, at);
      const r = await this.store.append({ streamId: CALENDAR_STREAM, events: prepared, expectedRevision: this.head?.revision ?? -1 });
      if (r.ok) {
        await this.refresh();
        return { position: prepared[prepared.length - 1]!.position, before, after: this.current };
      }
    }
    throw new Error('calendar: gave up after repeated concurrent writes to $calendar');
  }

  private build(asOf?: Date | string): WorkingCalendar {
    const base = this.o.base ?? WorkingCalendar.china();
    const known = calendarAsOf(base, this.records, asOf);
    const knownLast = Math.max(...known.years.filter((y) => !known.isProvisionalYear(y)));
    const today = Number(toShanghaiDate(asOf === undefined ? this.o.now() : new Date(asOf)).slice(0, 4));
    return withPredictedYears(known, Math.max(knownLast, today) + PREDICTED_AHEAD);
  }
}
