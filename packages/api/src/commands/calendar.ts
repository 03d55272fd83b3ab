import { CalendarBook, acceleratedClock, withPredictedYears } from '@onematter/adapters';
import { CalendarRangeError, WorkingCalendar, noticeJson, readNotice, type CalendarData, type NoticeYear } from '@onematter/engine';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandKit } from '../cli.js';
import { UsageError, systemClock, type RuntimeConfig } from '../runtime.js';
import { withStore, type StoreFlags } from './keys.js';

const calendarFileOption = () =>
  new Option(
    '--calendar-file <json>',
    'extend the built-in working-day calendar (2024–2026) with a JSON file { years, holidays, workdays } (a region\'s closures; a notice is better recorded with `calendar import`)',
  ).env('ONEMATTER_CALENDAR_FILE');

/**
 * The built-in calendar, extended with a calendar file when one is given (the
 * shape of `CalendarData`: `{ "years": [2027], "holidays": {…}, "workdays": {…} }`).
 * A file that cannot be read or does not validate is a usage error (exit 2).
 */
export function loadCalendar(file?: string): WorkingCalendar {
  const base = WorkingCalendar.china();
  if (!file) return base;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--calendar-file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let data: Partial<CalendarData>;
  try {
    data = JSON.parse(text) as Partial<CalendarData>;
  } catch (error) {
    throw new UsageError(`--calendar-file ${file}: not JSON (${(error as Error).message})`);
  }
  try {
    return base.extend(data);
  } catch (error) {
    throw new UsageError(`--calendar-file ${file}: ${(error as Error).message}`);
  }
}

/** Runs a calendar query; a malformed date or one outside the covered years is bad usage (exit 2). */
function query<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof CalendarRangeError) {
      throw new UsageError(`${error.message} From the command line: --calendar-file <json> (or ONEMATTER_CALENDAR_FILE).`);
    }
    throw new UsageError((error as Error).message);
  }
}

const integer = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('a whole number of working days, e.g. 20 (negative counts back)');
  return n;
};

/** The flags `serve` and `demo` take for time: calendar, time limits and the clock. */
export interface TimeFlags {
  calendarFile?: string;
  clockSpeed?: string;
  clockStart?: string;
  warningDaysBefore?: string;
}

export const addTimeOptions = (cmd: Command): Command =>
  cmd
    .addOption(calendarFileOption())
    .addOption(new Option('--clock-speed <factor>', 'FOR DEMOS: run the engine\'s clock this many times faster (3600: an hour a second), so lights turn yellow and red while you watch').env('ONEMATTER_CLOCK_SPEED'))
    .addOption(new Option('--clock-start <iso>', 'FOR DEMOS AND TESTS: the engine\'s clock starts at this instant (e.g. 2025-09-26T09:00:00+08:00)').env('ONEMATTER_CLOCK_START'))
    .addOption(new Option('--warning-days-before <n>', '黄灯: warn this many working days before the committed limit (0: no warnings)').env('ONEMATTER_WARNING_DAYS_BEFORE'));

/** The runtime configuration the time flags imply. */
export function timeConfigFrom(f: TimeFlags): Partial<RuntimeConfig> {
  const config: Partial<RuntimeConfig> = { calendar: loadCalendar(f.calendarFile) };
  if (f.clockSpeed !== undefined || f.clockStart !== undefined) {
    const speed = f.clockSpeed === undefined ? 1 : Number(f.clockSpeed);
    if (!(Number.isFinite(speed) && speed > 0)) throw new UsageError(`--clock-speed takes a positive factor (3600: an hour a second), not "${f.clockSpeed}"`);
    if (f.clockStart !== undefined && Number.isNaN(Date.parse(f.clockStart))) {
      throw new UsageError(`--clock-start takes an ISO instant such as 2025-09-26T09:00:00+08:00, not "${f.clockStart}"`);
    }
    config.clock = acceleratedClock({ speed, ...(f.clockStart !== undefined ? { start: f.clockStart } : {}) });
  }
  if (f.warningDaysBefore !== undefined) {
    const n = Number(f.warningDaysBefore);
    if (!(Number.isInteger(n) && n >= 0 && n <= 365)) throw new UsageError(`--warning-days-before takes a whole number of working days, not "${f.warningDaysBefore}"`);
    config.timeLimits = { warningDaysBefore: n };
  }
  return config;
}

/**
 * `onematter calendar add <date> <n>` and `onematter calendar between <from> <to>`:
 * the working-day calendar the time limits use, from the command line (dates are
 * ISO dates in Asia/Shanghai; the start day is not counted).
 */
export function registerCalendarCommand(program: Command, kit: CommandKit): void {
  const calendar = program.command('calendar').description('working days (工作日) on the official calendar, with 调休 make-up days');

  kit
    .storeOptions(
      calendar
        .command('add')
        .description('the n-th working day after a date (the date itself is not counted); prints YYYY-MM-DD, and "provisional" after it when a year without a notice counts')
        .argument('<date>', 'an ISO date, e.g. 2025-09-30')
        .argument('<n>', 'working days (negative: before the date)', integer),
    )
    .addOption(calendarFileOption())
    .action(async (date: string, n: number, o: QueryFlags, cmd: Command) => {
      const cal = await queryCalendar(o, cmd, date, n);
      const due = query(() => cal.addWorkingDays(date, n));
      process.stdout.write(`${due}${cal.dependsOnProvisional(date, due) ? ' provisional' : ''}\n`);
    });

  kit
    .storeOptions(
      calendar
        .command('between')
        .description('the number of working days in (from, to]; prints the count')
        .argument('<from>', 'an ISO date (not counted)')
        .argument('<to>', 'an ISO date (counted)'),
    )
    .addOption(calendarFileOption())
    .action(async (from: string, to: string, o: QueryFlags, cmd: Command) => {
      const cal = await queryCalendar(o, cmd, to > from ? to : from, 0);
      const n = query(() => cal.workingDaysBetween(from, to));
      process.stdout.write(`${n}${cal.dependsOnProvisional(from, to) ? ' provisional' : ''}\n`);
    });

  kit
    .storeOptions(
      calendar
        .command('info')
        .description('the years the calendar covers, and whether a date is a working day')
        .argument('[date]', 'an ISO date to look up'),
    )
    .addOption(calendarFileOption())
    .action(async (date: string | undefined, o: QueryFlags, cmd: Command) => {
      const cal = await queryCalendar(o, cmd, date ?? '', 0);
      const years = cal.years.filter((y) => !cal.isProvisionalYear(y));
      process.stdout.write(`covered years: ${years.join(', ')} (through ${years[years.length - 1]}-12-31); later years are predicted (provisional) until their notice is imported\n`);
      if (date) {
        const working = query(() => cal.isWorkingDay(date));
        const name = cal.holidayName(date) ?? cal.workdayName(date);
        const provisional = cal.isProvisionalYear(Number(date.slice(0, 4)));
        process.stdout.write(`${date}: ${working ? '工作日 working day' : '休息日 day off'}${name ? ` (${name})` : ''}${provisional ? ' provisional' : ''}\n`);
      }
    });

  kit
    .storeOptions(
      calendar
        .command('import')
        .description('record a year\'s days in the store ($calendar) from the State Council\'s notice as published (text from gov.cn or a newspaper) or JSON { year, holidays, workdays }; running servers pick it up within seconds')
        .argument('<file>', 'the notice\'s text, or JSON { "year", "holidays": [...], "workdays": [...] }'),
    )
    .option('--dry-run', 'print the days read, as JSON { year, holidays, workdays }, and store nothing')
    .option('--year <year>', 'the year, when the text does not name it (an excerpt without the title)')
    .addOption(new Option('--source <source>', 'notice: the State Council\'s notice (replaces the year); region: a region\'s own closures and make-up days (added to the year)').choices(['notice', 'region']).default('notice'))
    .option('--region <code>', 'with --source region: the region, e.g. 411621 (鹿邑县)')
    .action(async (file: string, f: StoreFlags & { dryRun?: boolean; year?: string; source: 'notice' | 'region'; region?: string }) => {
      const y = readNoticeFile(file, f.year);
      if (f.dryRun) {
        process.stdout.write(`${JSON.stringify(noticeJson(y))}\n`);
        return;
      }
      await withStore(f, async (store) => {
        const book = new CalendarBook(store, { now: () => systemClock.now() });
        const r = await book.record(y, {
          source: f.source,
          ...(f.source === 'notice' ? { title: `国务院办公厅关于${y.year}年部分节假日安排的通知` } : {}),
          ...(f.region !== undefined ? { region: f.region } : {}),
          actor: 'cli:calendar-import',
        });
        const json = noticeJson(y);
        process.stdout.write(
          `recorded ${y.year} (${f.source}): ${json.holidays.length} days off, ${json.workdays.length} make-up working days, in $calendar at position ${r.position}. ` +
            `Running servers on this store re-derive every open clock within seconds.\n`,
        );
      });
    });
}

/** Reads a notice file (text or JSON); a file that is not a notice is bad input (exit 2), naming the problem. */
function readNoticeFile(file: string, year?: string): NoticeYear {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const y = year === undefined ? undefined : Number(year);
  if (y !== undefined && !Number.isInteger(y)) throw new UsageError(`--year takes a year such as 2027, not "${year}"`);
  const r = readNotice(text, y !== undefined ? { year: y } : {});
  if (!r.ok) throw new UsageError(`${file}: ${r.message}`);
  return r.value;
}

type QueryFlags = StoreFlags & { calendarFile?: string };

/**
 * The calendar a query answers from: the built-in data and --calendar-file, the years recorded
 * in the store when there is one (store flags given, or a SQLite store in --data-dir, ./data by
 * default; nothing is created), and the years after them predicted.
 */
async function queryCalendar(o: QueryFlags, cmd: Command, date: string, n: number): Promise<WorkingCalendar> {
  const base = loadCalendar(o.calendarFile);
  const given = (['store', 'dataDir', 'pgUrl', 'kurrentdbUrl'] as const).some((k) => {
    const source = cmd.getOptionValueSource(k);
    return source !== undefined && source !== 'default';
  });
  const useStore = o.store === 'sqlite' ? existsSync(join(resolve(o.dataDir), 'onematter.db')) : given && o.store !== 'memory';
  if (!useStore) return predicted(base, date, n);
  const recorded = await withStore(o, async (store) => {
    const book = new CalendarBook(store, { base, now: () => systemClock.now() });
    await book.refresh();
    return book.calendar;
  });
  return predicted(recorded, date, n);
}

/** The calendar with the years a count from `date` may reach predicted (provisional) where no notice covers them. */
function predicted(known: WorkingCalendar, date: string, n: number): WorkingCalendar {
  const year = Number(date.slice(0, 4));
  if (!Number.isInteger(year)) return known;
  const last = Math.max(...known.years);
  return withPredictedYears(known, Math.max(last, Math.min(year + Math.ceil(Math.abs(n) / 240) + 1, 9998)));
}
