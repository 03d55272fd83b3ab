import { acceleratedClock } from '@onematter/adapters';
import { CalendarRangeError, WorkingCalendar, type CalendarData } from '@onematter/engine';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { CommandKit } from '../cli.js';
import { UsageError, type RuntimeConfig } from '../runtime.js';

const calendarFileOption = () =>
  new Option(
    '--calendar-file <json>',
    'extend the built-in working-day calendar (2024–2026) with a JSON file { years, holidays, workdays }: next year\'s State Council notice, a region\'s closures',
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
export function registerCalendarCommand(program: Command, _kit: CommandKit): void {
  const calendar = program.command('calendar').description('working days (工作日) on the official calendar, with 调休 make-up days');

  calendar
    .command('add')
    .description('the n-th working day after a date (the date itself is not counted); prints YYYY-MM-DD')
    .argument('<date>', 'an ISO date, e.g. 2025-09-30')
    .argument('<n>', 'working days (negative: before the date)', integer)
    .addOption(calendarFileOption())
    .action((date: string, n: number, o: { calendarFile?: string }) => {
      const cal = loadCalendar(o.calendarFile);
      process.stdout.write(`${query(() => cal.addWorkingDays(date, n))}\n`);
    });

  calendar
    .command('between')
    .description('the number of working days in (from, to]; prints the count')
    .argument('<from>', 'an ISO date (not counted)')
    .argument('<to>', 'an ISO date (counted)')
    .addOption(calendarFileOption())
    .action((from: string, to: string, o: { calendarFile?: string }) => {
      const cal = loadCalendar(o.calendarFile);
      process.stdout.write(`${query(() => cal.workingDaysBetween(from, to))}\n`);
    });

  calendar
    .command('info')
    .description('the years the calendar covers, and whether a date is a working day')
    .argument('[date]', 'an ISO date to look up')
    .addOption(calendarFileOption())
    .action((date: string | undefined, o: { calendarFile?: string }) => {
      const cal = loadCalendar(o.calendarFile);
      const years = cal.years;
      process.stdout.write(`covered years: ${years.join(', ')} (through ${years[years.length - 1]}-12-31)\n`);
      if (date) {
        const working = query(() => cal.isWorkingDay(date));
        const name = cal.holidayName(date) ?? cal.workdayName(date);
        process.stdout.write(`${date}: ${working ? '工作日 working day' : '休息日 day off'}${name ? ` (${name})` : ''}\n`);
      }
    });
}
