/** The table `npm run chaos` prints and the way it goes into docs/reliability.md. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BEGIN, END, passed, problems, table, writeBetweenMarkers, type RoundResult } from './harness.js';

const round = (over: Partial<RoundResult>): RoundResult => ({
  round: 'SIGKILL under load, SQLite (5 kills)',
  unit: 'acknowledged requests',
  tried: 10,
  survived: 10,
  lost: 0,
  duplicated: 0,
  failures: [],
  notes: ['audit verify --all passed'],
  seconds: 12.4,
  ran: true,
  ...over,
});

describe('the fault suite table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onematter-chaos-doc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a round only when everything tried survived and nothing failed', () => {
    expect(passed(round({}))).toBe(true);
    expect(passed(round({ survived: 9, lost: 1 }))).toBe(false);
    expect(passed(round({ duplicated: 1 }))).toBe(false);
    expect(passed(round({ failures: ['audit verify --all exited 1'] }))).toBe(false);
    expect(passed(round({ ran: false }))).toBe(false);
  });

  it('prints one row per round and lists each problem under its round', () => {
    const rows = [round({}), round({ round: 'poison | kinds', tried: 2, survived: 1, lost: 1, failures: ['not JSON: stalled'] })];
    const t = table(rows).split('\n');
    expect(t).toHaveLength(4);
    expect(t[2]).toBe('| SIGKILL under load, SQLite (5 kills) | 10 acknowledged requests | 10 | 0 | 0 | passed | audit verify --all passed; 12 s |');
    expect(t[3]).toContain('| poison \\| kinds | 2 acknowledged requests | 1 | 1 | 0 | **FAILED** (1 problem below) |');
    expect(problems(rows)).toBe('Problems: poison | kinds\n- not JSON: stalled');
  });

  it('replaces only what is between the markers, and appends them to a page without', () => {
    const file = join(dir, 'reliability.md');
    writeFileSync(file, `# Reliability\n\nbefore\n\n${BEGIN}\nold table\n${END}\n\nafter\n`);
    writeBetweenMarkers(file, 'new table');
    expect(readFileSync(file, 'utf8')).toBe(`# Reliability\n\nbefore\n\n${BEGIN}\nnew table\n${END}\n\nafter\n`);
    writeFileSync(file, '# Reliability\n');
    writeBetweenMarkers(file, 'first table');
    expect(readFileSync(file, 'utf8')).toBe(`# Reliability\n\n${BEGIN}\nfirst table\n${END}\n`);
  });
});
