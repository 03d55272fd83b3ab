import { CalendarRangeError, WorkingCalendar } from './calendar.js';
import type { NoticeYear } from './notice.js';

/**
 * The calendar as events. Each year's days are recorded in the system stream `$calendar`
 * (not a case: not published on `onematter.events`), with where they came from and when:
 *
 *   CalendarYearRecorded { year, holidays, workdays, source, title?, region?, at }
 *
 * `source` is `built-in` (the package data the engine ships, recorded once when the stream is
 * first written, so the stream alone tells every year's origin), `notice` (the State Council's
 * notice, imported by a centre) or `region` (a region's own closures and make-up days). A later
 * record of a year replaces the days of the earlier one.
 *
 * The calendar a clock reads at a moment T is the built-in data with every record made at or
 * before T applied: so a replay "as of T" shows the due dates a clerk saw at T, and a record
 * after T explains why a due date moved.
 */
export const CALENDAR_STREAM = '$calendar';

export type CalendarSource = 'built-in' | 'notice' | 'region';

export interface CalendarYearRecorded {
  type: 'CalendarYearRecorded';
  data: {
    year: number;
    holidays: Record<string, string>;
    workdays: Record<string, string>;
    source: CalendarSource;
    /** e.g. 国务院办公厅关于2027年部分节假日安排的通知, or chinese-days@1.5.7 for the built-in data. */
    title?: string;
    region?: string;
    at: string;
  };
}

/** A stored calendar record: its data and when it was recorded. */
export interface CalendarRecord {
  data: CalendarYearRecorded['data'];
  recordedAt: string;
}

/** Reads the records of the `$calendar` stream, skipping anything else (a later event type). */
export function calendarRecordsOf(events: readonly { type: string; data: unknown; recordedAt: string }[]): CalendarRecord[] {
  const out: CalendarRecord[] = [];
  for (const e of events) {
    if (e.type !== 'CalendarYearRecorded') continue;
    out.push({ data: e.data as CalendarYearRecorded['data'], recordedAt: e.recordedAt });
  }
  return out;
}

/**
 * The known calendar: `base` (the built-in data) with every record applied in order, only
 * those recorded at or before `asOf` when given. A year that has a record is known; a record
 * never makes a year provisional.
 */
export function calendarAsOf(base: WorkingCalendar, records: readonly CalendarRecord[], asOf?: Date | string): WorkingCalendar {
  const limit = asOf === undefined ? undefined : new Date(asOf).getTime();
  let cal = base;
  for (const r of records) {
    if (limit !== undefined && Date.parse(r.recordedAt) > limit) continue;
    // A region's closures add to the year's notice; a notice (or the built-in data) replaces the year.
    const days = r.data.source === 'region' && cal.years.includes(r.data.year) ? mergeDays(cal.yearData(r.data.year), r.data) : r.data;
    cal = cal.withYear(r.data.year, days, { provisional: false });
  }
  return cal;
}

type Days = { holidays: Record<string, string>; workdays: Record<string, string> };

function mergeDays(base: Days, extra: Days): Days {
  const holidays = { ...base.holidays, ...extra.holidays };
  const workdays = { ...base.workdays, ...extra.workdays };
  for (const d of Object.keys(extra.holidays)) delete workdays[d];
  for (const d of Object.keys(extra.workdays)) delete holidays[d];
  return { holidays, workdays };
}

/** The record of an imported year. */
export function calendarYearRecorded(y: NoticeYear, source: CalendarSource, at: string, extra: { title?: string; region?: string } = {}): CalendarYearRecorded {
  return {
    type: 'CalendarYearRecorded',
    data: {
      year: y.year,
      holidays: { ...y.holidays },
      workdays: { ...y.workdays },
      source,
      ...(extra.title !== undefined ? { title: extra.title } : {}),
      ...(extra.region !== undefined ? { region: extra.region } : {}),
      at,
    },
  };
}

/** The records of the built-in years, written first when the stream is created. */
export function builtInRecords(base: WorkingCalendar, title: string, at: string): CalendarYearRecorded[] {
  return base.years
    .filter((y) => !base.isProvisionalYear(y))
    .map((year) => calendarYearRecorded({ year, ...base.yearData(year) }, 'built-in', at, { title }));
}

/** What changed between two calendars for one year: the days whose working status differs. */
export function changedDays(before: WorkingCalendar, after: WorkingCalendar, year: number): string[] {
  const out: string[] = [];
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  for (let t = start; t < end; t += 86_400_000) {
    const d = new Date(t).toISOString().slice(0, 10);
    const a = workingOrUndefined(before, d);
    const b = workingOrUndefined(after, d);
    if (a !== b) out.push(d);
  }
  return out;
}

function workingOrUndefined(cal: WorkingCalendar, date: string): boolean | undefined {
  try {
    return cal.isWorkingDay(date);
  } catch (error) {
    if (error instanceof CalendarRangeError) return undefined;
    throw error;
  }
}
