import { WorkingCalendar, type NoticeYear } from '@onematter/engine';
import { LunarDay, SolarTerm } from 'tyme4ts';

/**
 * A year's holidays before its notice is published: predicted from what the law fixes and the
 * principles the State Council published with the 2025 notice (国办发明电〔2024〕12号):
 *
 * - 全国年节及纪念日放假办法 (revised November 2024, Art. 2): 元旦 1 day; 春节 4 (除夕 and
 *   初一 to 初三); 清明 1; 劳动节 2 (1 and 2 May); 端午 1; 中秋 1; 国庆 3 (1 to 3 October).
 *   Lunar dates and the 清明 solar term come from `tyme4ts`, not from tables.
 * - The notice's principles: 春节 from 除夕, 8 days; 国庆 from 1 October, 7 days; 劳动节 5 days
 *   from 1 May; 元旦, 清明, 端午 and 中秋 3 days with the weekend (on a Wednesday only the day
 *   itself); 国庆 and 中秋 together 8 days when 中秋 falls in the 国庆 holiday.
 * - The days off beyond the legal ones and the weekends are made up on weekend days near the
 *   holiday (调休上班): the nearest to the holiday that keep working days to six in a row at
 *   most (or, where none can, exceed it least).
 *
 * A prediction, never a fact: the calendar marks the year provisional, and every due date
 * that depends on it says so until the notice is imported. `predictor.spec.ts` measures it
 * against the published notices of 2025 and 2026.
 */
export function predictYear(year: number): NoticeYear {
  const p = new Planner(year);
  p.single('元旦', iso(year, 1, 1));
  const eve = addDays(solar(LunarDay.fromYmd(year, 1, 1).getSolarDay()), -1);
  p.block('春节', eve, 8, 4);
  p.single('清明节', solar(SolarTerm.fromName(year, '清明').getJulianDay().getSolarDay()));
  p.block('劳动节', labourDayStart(year), 5, 2);
  p.single('端午节', solar(LunarDay.fromYmd(year, 5, 5).getSolarDay()));
  const midAutumn = solar(LunarDay.fromYmd(year, 8, 15).getSolarDay());
  const oct1 = iso(year, 10, 1);
  if (midAutumn >= iso(year, 9, 29) && midAutumn <= iso(year, 10, 8)) {
    p.block('国庆节', midAutumn < oct1 ? midAutumn : oct1, 8, 4);
  } else {
    p.single('中秋节', midAutumn);
    p.block('国庆节', oct1, 7, 3);
  }
  return { year, holidays: Object.fromEntries(p.off), workdays: Object.fromEntries(p.work) };
}

/**
 * The known calendar with every year from its first through `through` that has no data
 * filled in by {@link predictYear}, marked provisional.
 */
export function withPredictedYears(known: WorkingCalendar, through: number): WorkingCalendar {
  let cal = known;
  const first = known.years[0] ?? through;
  for (let y = first; y <= through; y++) {
    if (cal.years.includes(y)) continue;
    cal = cal.withYear(y, predictYear(y), { provisional: true });
  }
  return cal;
}

/**
 * 劳动节: 5 days holding 1 and 2 May. From 1 May unless a block starting up to 3 days earlier
 * holds more weekend days (fewer days to make up): 1 May on a Monday gives 29 April to 3 May.
 */
function labourDayStart(year: number): string {
  let best = iso(year, 5, 1);
  let most = -1;
  for (let back = 0; back <= 3; back++) {
    const start = addDays(iso(year, 5, 1), -back);
    const n = Array.from({ length: 5 }, (_, i) => addDays(start, i)).filter(weekend).length;
    if (n > most) [best, most] = [start, n];
  }
  return best;
}

const DAY_MS = 86_400_000;
const iso = (y: number, m: number, d: number): string => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
const solar = (d: { getYear(): number; getMonth(): number; getDay(): number }): string => iso(d.getYear(), d.getMonth(), d.getDay());
const addDays = (date: string, n: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const dow = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();
const weekend = (date: string): boolean => dow(date) === 0 || dow(date) === 6;

class Planner {
  readonly off = new Map<string, string>();
  readonly work = new Map<string, string>();
  constructor(private readonly year: number) {}

  /** A one-day festival: 3 days with the weekend, or the day alone on a Wednesday. */
  single(name: string, day: string): void {
    // Days before the festival day in its block, by weekday (0 Sunday … 6 Saturday):
    // Mon: Sat–Mon; Tue: Sun–Tue (Sat works); Thu: Thu–Sat (Sun works); Fri: Fri–Sun; Sat, Sun: Sat–Mon.
    const before = [1, 2, 2, 0, 0, 0, 0][dow(day)]!;
    const length = dow(day) === 3 ? 1 : 3;
    this.block(name, addDays(day, -before), length, 1);
  }

  /** `length` days off from `start`, `legal` of them holidays by law; the rest made up on weekends. */
  block(name: string, start: string, length: number, legal: number): void {
    const days = Array.from({ length }, (_, i) => addDays(start, i));
    for (const d of days) this.off.set(d, name);
    const weekends = days.filter(weekend).length;
    const swaps = Math.max(0, length - legal - weekends);
    if (swaps === 0) return;
    const end = days[days.length - 1]!;
    const candidates: { date: string; distance: number; side: -1 | 1 }[] = [];
    for (let i = 1; i <= 14; i++) {
      for (const [d, side] of [[addDays(start, -i), -1], [addDays(end, i), 1]] as const) {
        if (weekend(d) && d.startsWith(`${this.year}-`) && !this.off.has(d) && !this.work.has(d)) candidates.push({ date: d, distance: i, side });
      }
    }
    // The fewest days beyond six working days in a row (the notice's limit); then the make-up
    // days split before and after the holiday; then the nearest.
    let best: { pick: string[]; cost: number[] } | undefined;
    for (const pick of combinations(candidates, swaps)) {
      for (const c of pick) this.work.set(c.date, `${name}调休上班`);
      const excess = Math.max(0, this.longestRun(addDays(start, -21), addDays(end, 21)) - 6);
      for (const c of pick) this.work.delete(c.date);
      const cost = [excess, Math.abs(pick.reduce((n, c) => n + c.side, 0)), pick.reduce((n, c) => n + c.distance, 0)];
      if (!best || lexLess(cost, best.cost)) best = { pick: pick.map((c) => c.date), cost };
    }
    for (const d of best?.pick ?? []) this.work.set(d, `${name}调休上班`);
  }

  private working(d: string): boolean {
    return this.work.has(d) || (!this.off.has(d) && !weekend(d));
  }

  private longestRun(from: string, to: string): number {
    let best = 0;
    let run = 0;
    for (let d = from; d <= to; d = addDays(d, 1)) {
      run = this.working(d) ? run + 1 : 0;
      if (run > best) best = run;
    }
    return best;
  }
}

const lexLess = (a: readonly number[], b: readonly number[]): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
};

function* combinations<T>(items: readonly T[], k: number, from = 0): Generator<T[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = from; i <= items.length - k; i++) for (const rest of combinations(items, k - 1, i + 1)) yield [items[i]!, ...rest];
}
