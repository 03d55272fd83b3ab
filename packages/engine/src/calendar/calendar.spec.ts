import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CalendarRangeError,
  CN_CALENDAR_DATA,
  WorkingCalendar,
  shanghaiDayEnd,
  toShanghaiDate,
  type CalendarData,
} from './index.js';

const cal = WorkingCalendar.china();

const DAY_MS = 86_400_000;
const WEEKDAY = ['日', '一', '二', '三', '四', '五', '六'] as const;
function weekday(date: string): (typeof WEEKDAY)[number] {
  return WEEKDAY[new Date(`${date}T00:00:00Z`).getUTCDay()]!;
}
function range(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
function shift(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** A notice as published: holiday periods (inclusive) and make-up workdays with their weekday. */
interface Notice {
  year: number;
  periods: { name: string; from: string; to: string }[];
  workdays: { date: string; weekday: '六' | '日'; for: string }[];
}

const NOTICES: Record<string, Notice> = {
  // 国务院办公厅关于2024年部分节假日安排的通知（2023年10月25日）
  '国办发明电〔2023〕7号': {
    year: 2024,
    periods: [
      { name: '元旦', from: '2024-01-01', to: '2024-01-01' },
      { name: '春节', from: '2024-02-10', to: '2024-02-17' },
      { name: '清明节', from: '2024-04-04', to: '2024-04-06' },
      { name: '劳动节', from: '2024-05-01', to: '2024-05-05' },
      { name: '端午节', from: '2024-06-10', to: '2024-06-10' },
      { name: '中秋节', from: '2024-09-15', to: '2024-09-17' },
      { name: '国庆节', from: '2024-10-01', to: '2024-10-07' },
    ],
    workdays: [
      { date: '2024-02-04', weekday: '日', for: '春节' },
      { date: '2024-02-18', weekday: '日', for: '春节' },
      { date: '2024-04-07', weekday: '日', for: '清明节' },
      { date: '2024-04-28', weekday: '日', for: '劳动节' },
      { date: '2024-05-11', weekday: '六', for: '劳动节' },
      { date: '2024-09-14', weekday: '六', for: '中秋节' },
      { date: '2024-09-29', weekday: '日', for: '国庆节' },
      { date: '2024-10-12', weekday: '六', for: '国庆节' },
    ],
  },
  // 国务院办公厅关于2025年部分节假日安排的通知（2024年11月12日）
  '国办发明电〔2024〕12号': {
    year: 2025,
    periods: [
      { name: '元旦', from: '2025-01-01', to: '2025-01-01' },
      { name: '春节', from: '2025-01-28', to: '2025-02-04' },
      { name: '清明节', from: '2025-04-04', to: '2025-04-06' },
      { name: '劳动节', from: '2025-05-01', to: '2025-05-05' },
      { name: '端午节', from: '2025-05-31', to: '2025-06-02' },
      // 国庆节、中秋节 together: 10月1日至8日
      { name: '国庆节|中秋节', from: '2025-10-01', to: '2025-10-08' },
    ],
    workdays: [
      { date: '2025-01-26', weekday: '日', for: '春节' },
      { date: '2025-02-08', weekday: '六', for: '春节' },
      { date: '2025-04-27', weekday: '日', for: '劳动节' },
      { date: '2025-09-28', weekday: '日', for: '国庆节' },
      { date: '2025-10-11', weekday: '六', for: '国庆节' },
    ],
  },
  // 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）
  '国办发明电〔2025〕7号': {
    year: 2026,
    periods: [
      { name: '元旦', from: '2026-01-01', to: '2026-01-03' },
      { name: '春节', from: '2026-02-15', to: '2026-02-23' },
      { name: '清明节', from: '2026-04-04', to: '2026-04-06' },
      { name: '劳动节', from: '2026-05-01', to: '2026-05-05' },
      { name: '端午节', from: '2026-06-19', to: '2026-06-21' },
      { name: '中秋节', from: '2026-09-25', to: '2026-09-27' },
      { name: '国庆节', from: '2026-10-01', to: '2026-10-07' },
    ],
    workdays: [
      { date: '2026-01-04', weekday: '日', for: '元旦' },
      { date: '2026-02-14', weekday: '六', for: '春节' },
      { date: '2026-02-28', weekday: '六', for: '春节' },
      { date: '2026-05-09', weekday: '六', for: '劳动节' },
      { date: '2026-09-20', weekday: '日', for: '国庆节' },
      { date: '2026-10-10', weekday: '六', for: '国庆节' },
    ],
  },
};

describe('built-in data matches the State Council notices', () => {
  it('covers 2024–2026', () => {
    expect(CN_CALENDAR_DATA.years).toEqual([2024, 2025, 2026]);
  });

  for (const [doc, notice] of Object.entries(NOTICES)) {
    describe(`${doc} (${notice.year})`, () => {
      const inYear = (rec: Record<string, string>) =>
        Object.keys(rec)
          .filter((d) => d.startsWith(`${notice.year}-`))
          .sort();

      it('holidays are exactly the notice periods, with their names', () => {
        const expected = notice.periods.flatMap((p) => range(p.from, p.to)).sort();
        expect(inYear(CN_CALENDAR_DATA.holidays)).toEqual(expected);
        for (const p of notice.periods) {
          for (const d of range(p.from, p.to)) {
            expect(p.name.split('|')).toContain(CN_CALENDAR_DATA.holidays[d]);
            expect(cal.isWorkingDay(d)).toBe(false);
            expect(cal.holidayName(d)).toBe(CN_CALENDAR_DATA.holidays[d]);
          }
        }
      });

      it('make-up workdays (调休上班) are exactly those of the notice, on the stated weekday', () => {
        expect(inYear(CN_CALENDAR_DATA.workdays)).toEqual(notice.workdays.map((w) => w.date).sort());
        for (const w of notice.workdays) {
          expect(weekday(w.date)).toBe(w.weekday);
          expect(cal.isWorkingDay(w.date)).toBe(true);
          expect(cal.workdayName(w.date)).toBe(`${w.for}调休上班`);
        }
      });

      it('every other day follows the week (Mon–Fri working, Sat–Sun off)', () => {
        const listed = new Set([...inYear(CN_CALENDAR_DATA.holidays), ...inYear(CN_CALENDAR_DATA.workdays)]);
        for (const d of range(`${notice.year}-01-01`, `${notice.year}-12-31`)) {
          if (listed.has(d)) continue;
          expect(cal.isWorkingDay(d), d).toBe(weekday(d) !== '六' && weekday(d) !== '日');
        }
      });
    });
  }

  it('2024 除夕 (Fri 2024-02-09) is an ordinary working day (rest only encouraged, 国办发明电〔2023〕7号)', () => {
    expect(cal.isWorkingDay('2024-02-09')).toBe(true);
  });

  it('2025: 春节 and 国庆节、中秋节 are 8 consecutive days off each (国办发明电〔2024〕12号)', () => {
    expect(range('2025-01-28', '2025-02-04').every((d) => !cal.isWorkingDay(d))).toBe(true);
    expect(cal.workingDaysBetween('2025-01-27', '2025-02-05')).toBe(1);
    expect(cal.workingDaysBetween('2025-09-30', '2025-10-09')).toBe(1);
  });
});

describe('addWorkingDays (n-th working day strictly after; 期间开始的当日不计入)', () => {
  it('National Day 2025: a case started Friday 2025-09-26 with 5 working days ends Friday 2025-10-10', () => {
    // Sat 09-27 off; Sun 09-28 调休 (1); Mon 09-29 (2); Tue 09-30 (3); 10-01..10-08 off;
    // Thu 10-09 (4); Fri 10-10 (5); Sat 10-11 is 调休 too (6).
    expect(cal.addWorkingDays('2025-09-26', 1)).toBe('2025-09-28');
    expect(cal.addWorkingDays('2025-09-26', 2)).toBe('2025-09-29');
    expect(cal.addWorkingDays('2025-09-26', 3)).toBe('2025-09-30');
    expect(cal.addWorkingDays('2025-09-26', 4)).toBe('2025-10-09');
    expect(cal.addWorkingDays('2025-09-26', 5)).toBe('2025-10-10');
    expect(cal.addWorkingDays('2025-09-26', 6)).toBe('2025-10-11');
    expect(cal.addWorkingDays('2025-09-26', 7)).toBe('2025-10-13');
  });

  it('Spring Festival 2025: Sun 01-26 and Sat 02-08 count', () => {
    expect(cal.addWorkingDays('2025-01-24', 1)).toBe('2025-01-26');
    expect(cal.addWorkingDays('2025-01-24', 2)).toBe('2025-01-27');
    expect(cal.addWorkingDays('2025-01-24', 3)).toBe('2025-02-05');
    expect(cal.addWorkingDays('2025-01-24', 6)).toBe('2025-02-08');
    expect(cal.addWorkingDays('2025-01-24', 7)).toBe('2025-02-10');
    // 行政许可法 Art. 42: 20 working days from the Friday before the holiday:
    // 01-26, 01-27, 02-05..02-08 (6), 02-10..14 (11), 02-17..21 (16), 02-24..27 (20)
    expect(cal.addWorkingDays('2025-01-24', 20)).toBe('2025-02-27');
  });

  it('Spring Festival 2026: Sat 02-14 and Sat 02-28 count, 02-15..02-23 do not', () => {
    expect(cal.addWorkingDays('2026-02-13', 1)).toBe('2026-02-14');
    expect(cal.addWorkingDays('2026-02-13', 2)).toBe('2026-02-24');
    expect(cal.addWorkingDays('2026-02-13', 6)).toBe('2026-02-28');
    expect(cal.addWorkingDays('2026-02-13', 7)).toBe('2026-03-02');
  });

  it('中秋 and National Day 2026: Sun 09-20 and Sat 10-10 count', () => {
    expect(cal.addWorkingDays('2026-09-18', 1)).toBe('2026-09-20');
    expect(cal.addWorkingDays('2026-09-18', 5)).toBe('2026-09-24');
    expect(cal.addWorkingDays('2026-09-18', 6)).toBe('2026-09-28');
    expect(cal.addWorkingDays('2026-09-18', 8)).toBe('2026-09-30');
    expect(cal.addWorkingDays('2026-09-18', 9)).toBe('2026-10-08');
    expect(cal.addWorkingDays('2026-09-18', 11)).toBe('2026-10-10');
    expect(cal.addWorkingDays('2026-09-18', 12)).toBe('2026-10-12');
  });

  it('n = 0 returns the date itself, even on a holiday', () => {
    expect(cal.addWorkingDays('2025-10-03', 0)).toBe('2025-10-03');
    expect(cal.addWorkingDays('2025-10-09', 0)).toBe('2025-10-09');
  });

  it('from a holiday or weekend, the next working day is the first', () => {
    expect(cal.addWorkingDays('2025-10-01', 1)).toBe('2025-10-09');
    expect(cal.addWorkingDays('2025-10-04', 2)).toBe('2025-10-10');
    expect(cal.addWorkingDays('2025-03-01', 1)).toBe('2025-03-03'); // Saturday
  });

  it('crosses year boundaries inside the covered span', () => {
    expect(cal.addWorkingDays('2024-12-31', 1)).toBe('2025-01-02');
    expect(cal.addWorkingDays('2025-12-31', 1)).toBe('2026-01-04'); // 01-01..03 off, Sun 01-04 is 调休上班
  });

  it('negative n counts backwards (strictly before)', () => {
    expect(cal.addWorkingDays('2025-10-09', -1)).toBe('2025-09-30');
    expect(cal.addWorkingDays('2025-10-09', -4)).toBe('2025-09-26');
    expect(cal.addWorkingDays('2025-10-05', -1)).toBe('2025-09-30');
  });

  it('rejects a non-integer n', () => {
    expect(() => cal.addWorkingDays('2025-01-02', 1.5)).toThrow(RangeError);
    expect(() => cal.addWorkingDays('2025-01-02', Number.NaN)).toThrow(RangeError);
  });
});

describe('workingDaysBetween: working days in (from, to]', () => {
  it('counts around National Day 2025', () => {
    expect(cal.workingDaysBetween('2025-09-26', '2025-10-10')).toBe(5);
    expect(cal.workingDaysBetween('2025-09-30', '2025-10-08')).toBe(0);
    expect(cal.workingDaysBetween('2025-10-01', '2025-10-09')).toBe(1);
  });

  it('is 0 when to <= from', () => {
    expect(cal.workingDaysBetween('2025-05-06', '2025-05-06')).toBe(0);
    expect(cal.workingDaysBetween('2025-05-07', '2025-05-06')).toBe(0);
  });

  it('counts a whole year', () => {
    let naive = 0;
    for (const d of range('2025-01-01', '2025-12-31')) if (cal.isWorkingDay(d)) naive++;
    expect(cal.workingDaysBetween('2024-12-31', '2025-12-31')).toBe(naive);
    // 261 weekdays - 18 holiday weekdays + 5 调休上班 weekend days
    expect(naive).toBe(248);
  });
});

describe('properties', () => {
  const allDays = range('2024-01-01', '2026-12-31');
  const dayArb = fc.integer({ min: 0, max: allDays.length - 1 }).map((i) => allDays[i]!);

  /** Reference implementation: walk day by day. */
  function naiveAdd(date: string, n: number): string {
    let d = date;
    let left = n;
    while (left > 0) {
      d = shift(d, 1);
      if (cal.isWorkingDay(d)) left--;
    }
    return d;
  }

  it('addWorkingDays agrees with a day-by-day walk', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: 0, max: 60 }), (d, n) => {
        fc.pre(shift(d, 120) <= '2026-12-31');
        expect(cal.addWorkingDays(d, n)).toBe(naiveAdd(d, n));
      }),
      { numRuns: 500 },
    );
  });

  it('workingDaysBetween(d, addWorkingDays(d, n)) === n, and the result is a working day', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: 1, max: 200 }), (d, n) => {
        fc.pre(shift(d, 400) <= '2026-12-31');
        const end = cal.addWorkingDays(d, n);
        expect(cal.workingDaysBetween(d, end)).toBe(n);
        expect(cal.isWorkingDay(end)).toBe(true);
        expect(cal.workingDaysBetween(d, shift(end, -1))).toBe(n - 1);
      }),
      { numRuns: 500 },
    );
  });

  it('backwards and forwards are inverse on working days', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: 1, max: 100 }), (d, n) => {
        fc.pre(cal.isWorkingDay(d) && shift(d, -200) >= '2024-01-01');
        expect(cal.addWorkingDays(cal.addWorkingDays(d, -n), n)).toBe(d);
      }),
      { numRuns: 300 },
    );
  });
});

describe('range and format errors', () => {
  it('throws CalendarRangeError outside the covered years, naming the date and how to extend', () => {
    expect(() => cal.isWorkingDay('2027-01-04')).toThrow(CalendarRangeError);
    expect(() => cal.isWorkingDay('2023-12-29')).toThrow(CalendarRangeError);
    try {
      cal.addWorkingDays('2026-12-31', 1);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CalendarRangeError);
      const err = e as CalendarRangeError;
      expect(err.name).toBe('CalendarRangeError');
      expect(err.date).toBe('2027-01-01');
      expect(err.coveredYears).toEqual([2024, 2025, 2026]);
      expect(err.message).toContain('2027-01-01');
      expect(err.message).toContain('2024–2026');
      expect(err.message).toContain('calendar data for 2027');
      expect(err.message).toContain('extend');
    }
    expect(cal.addWorkingDays('2026-12-30', 1)).toBe('2026-12-31');
    expect(() => cal.addWorkingDays('2024-01-02', -1)).toThrow(/2023-12-31/);
    expect(() => cal.workingDaysBetween('2026-12-01', '2027-01-10')).toThrow(CalendarRangeError);
  });

  it('covers() answers for any valid date', () => {
    expect(cal.covers('2025-06-01')).toBe(true);
    expect(cal.covers('2027-06-01')).toBe(false);
    expect(cal.years).toEqual([2024, 2025, 2026]);
  });

  it('rejects malformed or impossible dates with a plain Error', () => {
    for (const bad of ['2025-2-3', '20250203', '2025-02-30', '2025-13-01', '2025-00-10', ' 2025-02-03', '2025-02-03T00:00:00Z']) {
      expect(() => cal.isWorkingDay(bad), bad).toThrow(/Invalid date/);
      expect(() => cal.isWorkingDay(bad)).not.toThrow(CalendarRangeError);
    }
    expect(() => cal.covers('2025-02-29')).toThrow(/not a real calendar date/);
    expect(cal.isWorkingDay('2024-02-29')).toBe(true);
  });

  it('does not bridge a gap between non-contiguous covered years', () => {
    const gappy = new WorkingCalendar({ years: [2024, 2026], holidays: {}, workdays: {} });
    expect(gappy.covers('2025-05-05')).toBe(false);
    expect(() => gappy.isWorkingDay('2025-05-05')).toThrow(CalendarRangeError);
    expect(() => gappy.addWorkingDays('2024-12-31', 1)).toThrow(/2025-01-01/);
    expect(() => gappy.workingDaysBetween('2024-12-01', '2026-01-10')).toThrow(CalendarRangeError);
    expect(gappy.addWorkingDays('2024-12-30', 1)).toBe('2024-12-31');
  });
});

describe('extensions', () => {
  it('a local closure day is not a working day and shifts deadlines; the base is unchanged', () => {
    // A region closes its service halls on Tuesday 2025-07-15.
    const local = cal.extend({ holidays: { '2025-07-15': '本地闭馆' } }, { region: '330100' });
    expect(local.region).toBe('330100');
    expect(local.isWorkingDay('2025-07-15')).toBe(false);
    expect(local.holidayName('2025-07-15')).toBe('本地闭馆');
    expect(cal.isWorkingDay('2025-07-15')).toBe(true);
    expect(cal.addWorkingDays('2025-07-14', 1)).toBe('2025-07-15');
    expect(local.addWorkingDays('2025-07-14', 1)).toBe('2025-07-16');
    expect(local.workingDaysBetween('2025-07-11', '2025-07-18')).toBe(4);
    expect(WorkingCalendar.china({ holidays: { '2025-07-15': '本地闭馆' } }).isWorkingDay('2025-07-15')).toBe(false);
  });

  it('an extension entry overrides the base for the same date', () => {
    const closedOnMakeUpDay = cal.extend({ holidays: { '2025-09-28': '本地闭馆' } });
    expect(closedOnMakeUpDay.isWorkingDay('2025-09-28')).toBe(false);
    const openOnHoliday = cal.extend({ workdays: { '2025-10-08': '窗口值班' } });
    expect(openOnHoliday.isWorkingDay('2025-10-08')).toBe(true);
  });

  it("adds next year's notice from JSON", () => {
    const json = JSON.stringify({
      years: [2027],
      holidays: { '2027-01-01': '元旦' },
      workdays: {},
    });
    const next = cal.extend(JSON.parse(json) as Partial<CalendarData>);
    expect(next.years).toEqual([2024, 2025, 2026, 2027]);
    expect(next.isWorkingDay('2027-01-01')).toBe(false);
    expect(next.addWorkingDays('2026-12-31', 1)).toBe('2027-01-04');
    expect(next.toData().holidays['2026-02-15']).toBe('春节');
  });

  it('rejects invalid extension data clearly', () => {
    expect(() => cal.extend({ holidays: { '2027-01-01': '元旦' } })).toThrow(/not in a covered year.*add 2027 to "years"/);
    expect(() => cal.extend({ holidays: { '2025-7-15': 'x' } })).toThrow(/Invalid holidays date/);
    expect(() => cal.extend({ holidays: { '2025-07-15': 1 as unknown as string } })).toThrow(/must be a string/);
    expect(() => cal.extend({ years: ['2027' as unknown as number] })).toThrow(/invalid year/);
    expect(() =>
      cal.extend({ holidays: { '2025-07-15': 'a' }, workdays: { '2025-07-15': 'b' } }),
    ).toThrow(/both as a holiday and as a make-up workday/);
    expect(() => new WorkingCalendar({ years: [], holidays: {}, workdays: {} })).toThrow(/at least one/);
  });
});

describe('Asia/Shanghai dates', () => {
  it('toShanghaiDate converts instants at UTC+8', () => {
    expect(toShanghaiDate('2025-01-01T15:59:59.999Z')).toBe('2025-01-01');
    expect(toShanghaiDate('2025-01-01T16:00:00Z')).toBe('2025-01-02');
    expect(toShanghaiDate('2025-01-02T00:30:00+08:00')).toBe('2025-01-02');
    expect(toShanghaiDate(new Date(Date.UTC(2025, 9, 8, 17)))).toBe('2025-10-09');
    expect(toShanghaiDate('2025-10-09')).toBe('2025-10-09');
  });

  it('rejects zone-less or invalid instants', () => {
    expect(() => toShanghaiDate('2025-01-01T10:00:00')).toThrow(/zone/);
    expect(() => toShanghaiDate('yesterday')).toThrow();
    expect(() => toShanghaiDate(new Date(Number.NaN))).toThrow(/invalid Date/);
  });

  it('shanghaiDayEnd is 23:59:59.999+08:00 of the date', () => {
    expect(shanghaiDayEnd('2025-10-09')).toBe('2025-10-09T15:59:59.999Z');
    expect(shanghaiDayEnd('2024-12-31')).toBe('2024-12-31T15:59:59.999Z');
    expect(toShanghaiDate(shanghaiDayEnd('2026-02-28'))).toBe('2026-02-28');
    expect(toShanghaiDate(new Date(Date.parse(shanghaiDayEnd('2026-02-28')) + 1))).toBe('2026-03-01');
    expect(() => shanghaiDayEnd('2026-02-29')).toThrow(/not a real calendar date/);
  });
});
