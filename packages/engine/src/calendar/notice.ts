/**
 * The State Council's yearly notice (国务院办公厅关于YYYY年部分节假日安排的通知), read as
 * published: text copied from gov.cn or a newspaper, with full-width or half-width
 * punctuation, traditional or simplified characters for the words that matter, one item per
 * festival:
 *
 *   二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
 *   一、元旦：1月1日放假，1月2日（星期一）补休。
 *   一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
 *   六、国庆节、中秋节：10月1日至8日放假调休，共8天。9月27日（星期日）、10月10日（星期六）上班。
 *
 * In an item, a sentence with 上班 lists make-up working days; one with 放假 or 补休 lists days
 * off, a range "A至B" meaning every day from A to B. A sentence that only encourages (鼓励…在
 * 除夕休息) changes nothing. "共N天" is checked against the range. Pure: no I/O.
 */

/** One year's days as a notice (or a JSON file) gives them; dates ISO 'YYYY-MM-DD' -> name. */
export interface NoticeYear {
  year: number;
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/** The JSON form (what `calendar import --dry-run` prints): sorted ISO dates. */
export interface NoticeYearJson {
  year: number;
  holidays: string[];
  workdays: string[];
}

export type NoticeParse = { ok: true; value: NoticeYear } | { ok: false; message: string };

const FESTIVALS = ['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节'] as const;

/** Traditional forms of the words the parser reads (text copied from a Hong Kong or Taiwan mirror). */
const TRADITIONAL: Record<string, string> = { 節: '节', 勞: '劳', 動: '动', 慶: '庆', 國: '国', 調: '调', 補: '补', 鼓: '鼓', 勵: '励', 間: '间', 關: '关', 於: '于', 將: '将', 與: '与' };

const DAY_MS = 86_400_000;

function normalise(text: string): string {
  let s = text.normalize('NFKC');
  s = s.replace(/[節勞動慶國調補勵間關於將與]/g, (c) => TRADITIONAL[c] ?? c);
  // Pinyin glosses some mirrors insert: 节(jié), 日(ri)
  s = s.replace(/\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)\)/gi, '');
  return s.replace(/[ \t\u3000]+/g, '');
}

const iso = (y: number, m: number, d: number): string | undefined => {
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return undefined;
  return back.toISOString().slice(0, 10);
};

const DATE = /(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日/g;

interface DateToken {
  date: string;
  index: number;
  end: number;
}

/** Dates in a sentence; a missing year or month is carried from the date before it. */
function datesIn(sentence: string, year: number, problems: string[]): DateToken[] {
  const out: DateToken[] = [];
  let y = year;
  let m: number | undefined;
  for (const match of sentence.matchAll(DATE)) {
    if (match[1]) y = Number(match[1]);
    if (match[2]) m = Number(match[2]);
    if (m === undefined) continue; // "3日" with no month yet: not a date we can place
    const date = iso(y, m, Number(match[3]));
    if (!date) {
      problems.push(`"${match[0]}" is not a real date`);
      continue;
    }
    out.push({ date, index: match.index, end: match.index + match[0].length });
  }
  return out;
}

function range(from: string, to: string): string[] {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  const days: string[] = [];
  for (let t = a; t <= b; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function noticeYearOf(s: string): number | undefined {
  const title = /关于(\d{4})年部分节假日安排/.exec(s) ?? /将(\d{4})年(?:元旦|春节)/.exec(s);
  if (title) return Number(title[1]);
  // Without the title: the year most items name.
  const counts = new Map<number, number>();
  for (const m of s.matchAll(/(\d{4})年\d{1,2}月/g)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  let best: number | undefined;
  for (const [y, n] of counts) if (best === undefined || n > counts.get(best)! || (n === counts.get(best)! && y > best)) best = y;
  return best;
}

/**
 * Reads a notice's text. `year` overrides the year the text names; `fallbackYear` is used when
 * it names none (an excerpt without the title).
 */
export function parseNotice(text: string, options: { year?: number; fallbackYear?: number } = {}): NoticeParse {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, message: 'the notice is empty: paste the text of 国务院办公厅关于YYYY年部分节假日安排的通知' };
  const s = normalise(text);
  // Items: a festival name (or two, 国庆节、中秋节) followed by a colon.
  const head = new RegExp(`((?:${FESTIVALS.join('|')})(?:[、和与](?:${FESTIVALS.join('|')}))*):`, 'g');
  const heads = [...s.matchAll(head)];
  if (heads.length === 0) {
    return { ok: false, message: 'this is not a holiday notice: no item such as 「春节：…放假…」 was found (paste the items 一、元旦：… to 七、国庆节：…)' };
  }
  const year = options.year ?? noticeYearOf(s) ?? options.fallbackYear;
  if (year === undefined) {
    return { ok: false, message: 'no year found: the text names no 「关于YYYY年部分节假日安排」 and no dates with a year; pass the year' };
  }
  const holidays: Record<string, string> = {};
  const workdays: Record<string, string> = {};
  const problems: string[] = [];
  heads.forEach((h, i) => {
    const name = h[1]!;
    const start = h.index + h[0].length;
    const stop = i + 1 < heads.length ? heads[i + 1]!.index : s.length;
    // The item ends at the next item or at the closing paragraph (节假日期间…).
    let body = s.slice(start, stop).replace(/\([^)]*\)/g, '');
    const cut = body.search(/\n|节假日期间|[一二三四五六七八九]、/);
    if (cut >= 0) body = body.slice(0, cut);
    const festival = name.split(/[、和与]/)[0]!;
    let found = 0;
    for (const sentence of body.split(/[。;]/)) {
      if (sentence.trim() === '' || sentence.includes('鼓励')) continue;
      const dates = datesIn(sentence, year, problems);
      if (sentence.includes('上班')) {
        for (const d of dates) {
          if (d.date in holidays) problems.push(`${d.date} is both a day off and a working day`);
          workdays[d.date] = `${festival}调休上班`;
          found++;
        }
        continue;
      }
      if (!/放假|补休|休息/.test(sentence)) continue;
      const days: string[] = [];
      for (let k = 0; k < dates.length; k++) {
        const d = dates[k]!;
        const next = dates[k + 1];
        if (next && /^(至|到|-|~|—|–)$/.test(sentence.slice(d.end, next.index))) {
          if (next.date < d.date) problems.push(`the range ${d.date} to ${next.date} runs backwards`);
          days.push(...range(d.date, next.date));
          k++;
        } else days.push(d.date);
      }
      const total = /共(\d+)天/.exec(sentence);
      if (total && Number(total[1]) !== days.length) {
        problems.push(`${name}: the notice says 共${total[1]}天 but lists ${days.length} days (${days[0] ?? '—'} to ${days[days.length - 1] ?? '—'})`);
      }
      for (const d of days) {
        if (d in workdays) problems.push(`${d} is both a day off and a working day`);
        holidays[d] = festival;
        found++;
      }
    }
    if (found === 0) problems.push(`${name}: no date found in 「${body.slice(0, 40)}」`);
  });
  if (problems.length > 0) return { ok: false, message: `the notice could not be read: ${problems.join('; ')}` };
  if (!Object.keys(holidays).some((d) => d.startsWith(`${year}-`))) {
    return { ok: false, message: `this is not a holiday notice for ${year}: no day off in ${year} was found` };
  }
  return { ok: true, value: { year, holidays, workdays } };
}

const ISO = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The JSON form `{ year, holidays: [...], workdays: [...] }` (arrays of ISO dates, or objects
 * date -> name). Errors name the field, like a 400's `errors[].path`.
 */
export function parseNoticeJson(value: unknown): { ok: true; value: NoticeYear } | { ok: false; errors: { path: string; message: string }[] } {
  const errors: { path: string; message: string }[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [{ path: '', message: 'expected an object { "year", "holidays": [...], "workdays": [...] }' }] };
  }
  const v = value as Record<string, unknown>;
  const year = v.year;
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 1949 || year > 2999) {
    errors.push({ path: 'year', message: 'a year such as 2027' });
  }
  const days = (field: 'holidays' | 'workdays', label: string): Record<string, string> => {
    const raw = v[field] ?? [];
    const entries: [string, unknown][] = Array.isArray(raw)
      ? raw.map((d) => [d as string, label])
      : raw !== null && typeof raw === 'object'
        ? Object.entries(raw as Record<string, unknown>)
        : (errors.push({ path: field, message: 'an array of ISO dates "YYYY-MM-DD"' }), []);
    const out: Record<string, string> = {};
    entries.forEach(([d, name], i) => {
      const path = Array.isArray(raw) ? `${field}/${i}` : `${field}/${d}`;
      if (typeof d !== 'string' || !ISO.test(d) || iso(Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8, 10))) !== d) {
        errors.push({ path, message: `${JSON.stringify(d)} is not an ISO date "YYYY-MM-DD"` });
      } else if (typeof year === 'number' && Math.abs(Number(d.slice(0, 4)) - year) > 1) {
        errors.push({ path, message: `${d} is not in or next to ${year}` });
      } else out[d] = typeof name === 'string' && name !== '' ? name : label;
    });
    return out;
  };
  const holidays = days('holidays', '节假日');
  const workdays = days('workdays', '调休上班');
  for (const d of Object.keys(workdays)) if (d in holidays) errors.push({ path: 'workdays', message: `${d} is listed both as a holiday and as a working day` });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { year: year as number, holidays, workdays } };
}

/** The JSON form of a year: sorted ISO dates. */
export const noticeJson = (y: NoticeYear): NoticeYearJson => ({
  year: y.year,
  holidays: Object.keys(y.holidays).sort(),
  workdays: Object.keys(y.workdays).sort(),
});

/**
 * A notice as a centre has it: JSON (`{ year, holidays, workdays }`) when it looks like JSON,
 * else the notice's text. The one reader behind `calendar import` and the calendar route.
 */
export function readNotice(input: string, options: { year?: number } = {}): { ok: true; value: NoticeYear } | { ok: false; message: string } {
  if (/^\s*\{/.test(input)) {
    let json: unknown;
    try {
      json = JSON.parse(input);
    } catch (error) {
      return { ok: false, message: `not valid JSON (${(error as Error).message})` };
    }
    const r = parseNoticeJson(json);
    return r.ok ? r : { ok: false, message: r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ') };
  }
  return parseNotice(input, options);
}
