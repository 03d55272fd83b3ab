/**
 * The calendar a centre keeps itself: a year without a notice is predicted and provisional,
 * never blank; the notice, once published, is imported into the store while servers run, and
 * every open clock follows; a replay as of a moment before the import shows what the clerk saw.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkingCalendar, parseNotice, toShanghaiDate } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterAll, describe, expect, it } from 'vitest';
import { http, runCli, startServer } from '../support/server.js';

const NOTICES = join(import.meta.dirname, '../fixtures/notices');
// Not the real notice (it is not published yet): a 2027 notice whose 春节 differs from the prediction.
const NOTICE_2027 = join(NOTICES, 'hypothetical-2027.notice');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'onematter-calendar-import-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Clocked {
  dueAt: string | null;
  statutoryDueAt: string | null;
  light: string | null;
  provisional?: boolean;
}
interface CaseBody extends Clocked {
  id: string;
  tasks: (Clocked & { step: string; clockState: string })[];
}

const TODAY = '2026-12-05T10:00:00+08:00';

async function startConstructionCase(url: string): Promise<CaseBody> {
  const matter = await http<{ example: unknown }>(`${url}/api/v1/matters/construction-project`);
  const c = await http<CaseBody>(`${url}/api/v1/cases`, {
    method: 'POST',
    body: { matter: 'construction-project', applicant: enterpriseSetupV1.exampleApplicant, form: matter.body.example },
  });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  return c.body;
}

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a year without a notice is provisional, never blank', () => {
  it('starts a 90-working-day 工程建设项目审批 today and shows its due dates as provisional; the workbench warns the admin', { timeout: 90_000 }, async () => {
    const server = await startServer(['--store', 'memory', '--clock-start', TODAY]);
    try {
      const c = await startConstructionCase(server.url);
      expect(c.dueAt).not.toBeNull();
      // No law sets a limit for the bundled matter as a whole (无法定时限); the centre commits 90 working days.
      expect(c.statutoryDueAt).toBeNull();
      expect(c.light).toBe('green');
      expect(c.provisional).toBe(true);
      const started = c.tasks.filter((t) => t.clockState === 'running');
      expect(started.length).toBeGreaterThan(0);
      for (const t of started) expect(t.dueAt).not.toBeNull();
      // The same date as the command line gives, which says it is provisional.
      const add = await runCli(['calendar', 'add', '2026-12-05', '90']);
      expect(add).toMatchObject({ code: 0, stdout: `${toShanghaiDate(c.dueAt!)} provisional\n` });
      // 60 days before the known calendar ends, the workbench says so to the admin and the supervisor.
      const cal = await http<{ warning: boolean; knownThrough: string; message: string; provisionalYears: number[] }>(`${server.url}/api/v1/calendar`);
      expect(cal.body).toMatchObject({ warning: true, knownThrough: '2026-12-31', provisionalYears: expect.arrayContaining([2027]) });
      expect(cal.body.message).toContain('2027');
      expect(server.output()).toMatch(/working-day calendar ends on 2026-12-31, in 26 days: time limits falling in 2027 are provisional/);
    } finally {
      await server.kill();
    }
  });
});

describe('onematter calendar import', () => {
  it('--dry-run prints the days read as JSON and stores nothing', async () => {
    const dir = tempDir();
    const r = await runCli(['calendar', 'import', join(NOTICES, '2026.txt'), '--dry-run', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const parsed = parseNotice(readFileSync(join(NOTICES, '2026.txt'), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(JSON.parse(r.stdout)).toEqual({ year: 2026, holidays: Object.keys(parsed.value.holidays).sort(), workdays: Object.keys(parsed.value.workdays).sort() });
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(['year', 'holidays', 'workdays']);
    expect(JSON.parse(r.stdout).workdays[0]).toBe('2026-01-04');
    expect(existsSync(join(dir, 'onematter.db'))).toBe(false);
  });

  it('exits non-zero with a message for text that is not a notice', async () => {
    const r = await runCli(['calendar', 'import', join(NOTICES, 'README.md'), '--dry-run']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not a holiday notice/);
  });

  it('records the notice while a server runs: every open clock is derived again, the replay as of before shows what the clerk saw, and the timeline says why the date moved', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const server = await startServer(['--data-dir', dir, '--clock-start', TODAY]);
    try {
      const before = await startConstructionCase(server.url);
      expect(before.provisional).toBe(true);
      const seenAt = new Date().toISOString();

      // What the published days give, computed with the engine's own calendar from the notice.
      const parsed = parseNotice(readFileSync(NOTICE_2027, 'utf8'));
      if (!parsed.ok) throw new Error(parsed.message);
      const published = WorkingCalendar.china().withYear(2027, parsed.value);
      const committedDay = published.addWorkingDays('2026-12-05', 90);
      expect(committedDay).not.toBe(toShanghaiDate(before.dueAt!));

      await new Promise((r) => setTimeout(r, 20));
      const imported = await runCli(['calendar', 'import', NOTICE_2027, '--data-dir', dir]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toMatch(/recorded 2027 \(notice\)/);
      // The command line answers from the store too: 2027 is known now.
      expect(await runCli(['calendar', 'add', '2026-12-05', '90', '--data-dir', dir])).toMatchObject({ code: 0, stdout: `${committedDay}\n` });

      // The running server picks it up without a restart.
      const after = await waitFor(
        () => http<CaseBody>(`${server.url}/api/v1/cases/${before.id}`),
        (r) => r.body.provisional === false,
        'the server to pick up the 2027 notice',
      );
      expect(toShanghaiDate(after.body.dueAt!)).toBe(committedDay);
      expect((await http<{ provisionalYears: number[] }>(`${server.url}/api/v1/calendar`)).body.provisionalYears).not.toContain(2027);

      // Replay as of a moment before the import: the provisional dates the clerk saw.
      const replayed = await http<CaseBody>(`${server.url}/api/v1/cases/${before.id}/state?asOf=${encodeURIComponent(seenAt)}`);
      expect(replayed.status).toBe(200);
      expect(replayed.body).toMatchObject({ statutoryDueAt: before.statutoryDueAt, dueAt: before.dueAt, provisional: true });
      const cli = await runCli(['audit', 'replay', before.id, '--as-of', seenAt, '--data-dir', dir]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(JSON.parse(cli.stdout)).toMatchObject({ dueAt: before.dueAt, provisional: true });

      // The timeline explains the move.
      const timeline = await fetch(`${server.url}/api/v1/cases/${before.id}/timeline?format=text`);
      expect(timeline.status).toBe(200);
      const moved = `因2027年放假安排公布，承诺时限调整为${committedDay}（原为${toShanghaiDate(before.dueAt!)}）`;
      expect(await timeline.text()).toContain(moved);
      const printed = await runCli(['audit', 'timeline', before.id, '--data-dir', dir]);
      expect(printed.stdout).toContain(moved);
    } finally {
      await server.kill();
    }
  });

  it('PUT /api/v1/calendar/years/{year} takes the notice text or the JSON form; a 400 names the problem', { timeout: 90_000 }, async () => {
    const server = await startServer(['--store', 'memory', '--clock-start', TODAY]);
    try {
      const c = await startConstructionCase(server.url);
      expect(c.provisional).toBe(true);
      const put = (year: number, body: unknown, query = '') => http<{ year: number; holidays: string[]; workdays: string[]; recorded: boolean; errors?: { path: string; message: string }[]; detail?: string }>(`${server.url}/api/v1/calendar/years/${year}${query}`, { method: 'PUT', body });
      const garbage = await put(2027, { notice: '各单位要加强值班。' });
      expect(garbage.status).toBe(400);
      expect(garbage.body.errors?.[0]).toMatchObject({ path: 'notice', message: expect.stringMatching(/not a holiday notice/) });
      const text = readFileSync(NOTICE_2027, 'utf8');
      const wrongYear = await put(2028, { notice: text });
      expect(wrongYear.status).toBe(400);
      expect(wrongYear.body.detail).toMatch(/for 2027, not 2028/);
      const badDate = await put(2027, { holidays: ['2027-02-30'], workdays: [] });
      expect(badDate.status).toBe(400);
      expect(badDate.body.errors?.[0]?.path).toBe('holidays/0');
      const dry = await put(2027, { notice: text }, '?dryRun=true');
      expect(dry.body).toMatchObject({ year: 2027, recorded: false, workdays: ['2027-02-20', '2027-05-08', '2027-09-26', '2027-10-09'] });
      expect((await http<CaseBody>(`${server.url}/api/v1/cases/${c.id}`)).body.provisional).toBe(true);
      const recorded = await put(2027, { year: 2027, holidays: dry.body.holidays, workdays: dry.body.workdays });
      expect(recorded.status).toBe(200);
      expect(recorded.body.recorded).toBe(true);
      expect((await http<CaseBody>(`${server.url}/api/v1/cases/${c.id}`)).body.provisional).toBe(false);
    } finally {
      await server.kill();
    }
  });
});
