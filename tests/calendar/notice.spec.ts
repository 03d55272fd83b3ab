import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { noticeJson, parseNotice, parseNoticeJson, readNotice } from '@onematter/engine';
import { describe, expect, it } from 'vitest';

const NOTICES = join(import.meta.dirname, '../fixtures/notices');
const notice = (file: string) => readFileSync(join(NOTICES, file), 'utf8');

/** The `chinese-days` package's data for a year (a root devDependency): what we compare against. */
const chineseDays = (() => {
  const dir = join(dirname(createRequire(import.meta.url).resolve('chinese-days/package.json')), 'dist', 'years');
  return (year: number): { holidays: string[]; workdays: string[] } => {
    const data = JSON.parse(readFileSync(join(dir, `${year}.json`), 'utf8')) as { holidays: Record<string, string>; workdays: Record<string, string> };
    return { holidays: Object.keys(data.holidays).sort(), workdays: Object.keys(data.workdays).sort() };
  };
})();

const files = readdirSync(NOTICES).filter((f) => f.endsWith('.txt'));

/**
 * Later notices that changed a year after its notice: the package holds the year as it was
 * lived. 国办发明电〔2020〕1号 (COVID-19) extended 春节 2020 to Sunday 2 February, so the
 * make-up Saturday 1 February was not worked.
 */
const AMENDED: Record<number, { holidays: string[]; workdays: string[] }> = {
  2020: { holidays: ['2020-01-31', '2020-02-01', '2020-02-02'], workdays: [] },
};
const amend = (year: number, days: { holidays: string[]; workdays: string[] }) => {
  const a = AMENDED[year];
  if (!a) return days;
  const holidays = [...new Set([...days.holidays, ...a.holidays])].sort();
  return { holidays, workdays: days.workdays.filter((d) => !holidays.includes(d)) };
};

describe('reading the State Council notice as published', () => {
  it('has at least five real notices to read, 2017 to 2026', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('%s: every day off and every make-up working day matches the chinese-days data', (file) => {
    const r = parseNotice(notice(file));
    if (!r.ok) throw new Error(r.message);
    const read = noticeJson(r.value);
    // A notice may name the last days of the year before (元旦 2023 from 2022-12-31): the package files them under that year.
    const years = [...new Set([...read.holidays, ...read.workdays].map((d) => Number(d.slice(0, 4))))];
    for (const year of years) {
      const inYear = (d: string) => d.startsWith(`${year}-`);
      const expected = chineseDays(year);
      if (year === read.year) {
        expect({ year, ...amend(year, { holidays: read.holidays.filter(inYear), workdays: read.workdays.filter(inYear) }) }).toEqual({ year, ...expected });
      } else {
        for (const d of read.holidays.filter(inYear)) expect(expected.holidays).toContain(d);
        for (const d of read.workdays.filter(inYear)) expect(expected.workdays).toContain(d);
      }
    }
  });

  it('reads 补休 as a day off: 元旦 2017, on a Sunday, is made up on Monday 2 January', () => {
    const r = parseNotice(notice('2017.txt'));
    expect(r.ok && noticeJson(r.value).holidays.slice(0, 2)).toEqual(['2017-01-01', '2017-01-02']);
  });

  it('reads 国庆节、中秋节 combined, and a holiday that runs from September into October (2023)', () => {
    const r = parseNotice(notice('2023-big5.txt'));
    if (!r.ok) throw new Error(r.message);
    expect(r.value.year).toBe(2023);
    const json = noticeJson(r.value);
    expect(json.holidays.filter((d) => d >= '2023-09-29' && d <= '2023-10-06')).toHaveLength(8);
    expect(json.holidays).toContain('2022-12-31');
  });

  it('does not take an encouragement for a holiday: 除夕 2024 stays a working day', () => {
    const r = parseNotice(notice('2024.txt'));
    expect(r.ok && noticeJson(r.value).holidays).not.toContain('2024-02-09');
  });

  it('reads the same notice with full-width or half-width punctuation alike', () => {
    const full = notice('2025.txt');
    const half = full.normalize('NFKC');
    expect(half).not.toBe(full);
    const a = parseNotice(full);
    const b = parseNotice(half);
    expect(a.ok && b.ok && noticeJson(b.value)).toEqual(a.ok && noticeJson(a.value));
  });

  it('refuses text that is not a notice, and a notice whose days do not add up, saying why', () => {
    const r = parseNotice('关于做好2027年元旦期间安全生产工作的通知。各单位要加强值班。');
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/not a holiday notice/) });
    const wrong = parseNotice(notice('2025.txt').replace('共8天。1月26日', '共9天。1月26日'));
    expect(wrong).toMatchObject({ ok: false, message: expect.stringMatching(/共9天 but lists 8 days/) });
  });

  it('takes the JSON form, and names the field that is wrong', () => {
    expect(readNotice('{ "year": 2027, "holidays": ["2027-01-01"], "workdays": [] }')).toMatchObject({ ok: true, value: { year: 2027 } });
    const bad = parseNoticeJson({ year: 2027, holidays: ['2027-02-30'], workdays: ['2027-01-01'] });
    expect(bad).toMatchObject({ ok: false, errors: [{ path: 'holidays/0', message: expect.stringMatching(/not an ISO date/) }] });
  });
});
