/**
 * An auditor runs `onematter audit verify` (the built CLI) on a SQLite store that
 * someone edited directly in the database file. Each edit is found, and the output
 * names the case and the first position that cannot be trusted; the exit code is 1.
 * An untouched store verifies clean (exit 0), although a case got more events after
 * the day was anchored.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseListProjection } from '../../packages/adapters/src/index.js';
import { SqliteEventStore } from '../../packages/adapters/src/stores/index.js';
import { CommandHandler, DEFAULT_TOPICS, eventHash, genesisHash } from '../../packages/engine/src/index.js';
import { defaultCatalogue, enterpriseSetupV1 } from '../../packages/workflows/src/index.js';
import { SEEDED, cli, manualClock, seedAuditStore } from '../support/audit.js';

let root: string;
let pristine: string;

/** A copy of the seeded store (or of the one in `from`), edited by `tamper` with plain SQL. */
function storeCopy(tamper?: (db: Database.Database) => void, from = pristine): string {
  const dir = mkdtempSync(join(root, 'copy-'));
  copyFileSync(join(from, 'onematter.db'), join(dir, 'onematter.db'));
  if (tamper) {
    const db = new Database(join(dir, 'onematter.db'));
    tamper(db);
    db.close();
  }
  return dir;
}

const dataOf = (db: Database.Database, stream: string, position: number) =>
  db.prepare<[string, number], { data: string }>('SELECT data FROM events WHERE stream_id = ? AND position = ?').get(stream, position)!.data;

/** Changes exactly one byte of the event's stored data (a letter inside a value). */
function changeOneByte(db: Database.Database, stream: string, position: number) {
  const data = dataOf(db, stream, position);
  const i = data.indexOf('"approved"') + 8; // the final 'd'
  const altered = data.slice(0, i) + 'D' + data.slice(i + 1);
  expect(Buffer.byteLength(altered)).toBe(Buffer.byteLength(data));
  db.prepare('UPDATE events SET data = ? WHERE stream_id = ? AND position = ?').run(altered, stream, position);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'onematter-audit-tamper-'));
  pristine = join(root, 'pristine');
  mkdirSync(pristine, { recursive: true });
  const store = new SqliteEventStore({ file: join(pristine, 'onematter.db') });
  await store.init();
  await seedAuditStore(store);
  await store.close();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

// Each test runs the built CLI two to eight times (about 1.3 s of CPU each), several tests at
// once on CI's two cores: the default 30 s per test is too tight for the longest of them.
const CLI_TESTS = { timeout: 120_000 };

describe.concurrent('an auditor verifies a SQLite store with onematter audit verify', CLI_TESTS, () => {
  it('finds an untouched store clean, though a case got events after its day was anchored (exit 0)', async () => {
    const dir = storeCopy();
    const [all, one] = await Promise.all([cli(['audit', 'verify', '--all', '--data-dir', dir]), cli(['audit', 'verify', SEEDED.b, '--data-dir', dir])]);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(all.stdout).toMatch(/OK 校验通过/);
    expect(all.stdout).toMatch(/1 daily anchors \(1 match\)/);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    expect(one.stdout).toMatch(/hash chain intact, matches 1 daily anchor/);
  });

  it('names the case and position when one byte of one event\'s data was changed in the database file', async () => {
    const dir = storeCopy((db) => changeOneByte(db, SEEDED.a, 3));
    const [all, one] = await Promise.all([cli(['audit', 'verify', '--all', '--data-dir', dir]), cli(['audit', 'verify', SEEDED.a, '--data-dir', dir])]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(`case ${SEEDED.a}: first bad position 3: the event was altered`);
    expect(all.stdout).toMatch(/FAILED 校验未通过: 1 broken stream:/);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(`case ${SEEDED.a}: first bad position 3`);
  });

  it('names the case and the missing position when an event was deleted', async () => {
    const dir = storeCopy((db) => db.prepare('DELETE FROM events WHERE stream_id = ? AND position = 4').run(SEEDED.a));
    const [all, one] = await Promise.all([cli(['audit', 'verify', '--all', '--data-dir', dir]), cli(['audit', 'verify', SEEDED.a, '--data-dir', dir])]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(`case ${SEEDED.a}: first bad position 4`);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(`case ${SEEDED.a}: first bad position 4`);
  });

  it('names the case and position when two events were swapped (positions exchanged)', async () => {
    const dir = storeCopy((db) => {
      const swap = db.prepare('UPDATE events SET position = ? WHERE stream_id = ? AND position = ?');
      db.transaction(() => {
        swap.run(-1, SEEDED.a, 5);
        swap.run(5, SEEDED.a, 6);
        swap.run(6, SEEDED.a, -1);
      })();
    });
    const [all, one] = await Promise.all([cli(['audit', 'verify', '--all', '--data-dir', dir]), cli(['audit', 'verify', SEEDED.a, '--data-dir', dir])]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(`case ${SEEDED.a}: first bad position 5`);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(`case ${SEEDED.a}: first bad position 5`);
  });

  it('names a whole case deleted from the database, through the daily anchor', async () => {
    const dir = storeCopy((db) => {
      db.prepare('DELETE FROM events WHERE stream_id = ?').run(SEEDED.c);
      db.prepare('DELETE FROM streams WHERE stream_id = ?').run(SEEDED.c);
    });
    const [all, one] = await Promise.all([cli(['audit', 'verify', '--all', '--data-dir', dir]), cli(['audit', 'verify', SEEDED.c, '--data-dir', dir])]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(`case ${SEEDED.c}: first bad position 0: deleted: the anchor of ${SEEDED.day} recorded its head`);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(`case ${SEEDED.c}: first bad position 0: deleted`);
  });

  it('names a case whose last events, recorded after the last anchor, were cut off: from the store\'s stream index', async () => {
    let cut = { first: 0, last: 0 };
    const dir = storeCopy((db) => {
      // case-b's work of 03-03: no anchor covers it yet.
      cut = db.prepare<[string, string], { first: number; last: number }>('SELECT min(position) AS first, max(position) AS last FROM events WHERE stream_id = ? AND recorded_at >= ?').get(SEEDED.b, '2026-03-03')!;
      db.prepare('DELETE FROM events WHERE stream_id = ? AND position >= ?').run(SEEDED.b, cut.first);
    });
    expect(cut.last).toBeGreaterThan(cut.first);
    const [all, one] = await Promise.all([cli(['audit', 'verify', '--all', '--data-dir', dir]), cli(['audit', 'verify', SEEDED.b, '--data-dir', dir])]);
    const why = `case ${SEEDED.b}: first bad position ${cut.first}: cut off: the store's stream index records its last position as ${cut.last}, its events end at ${cut.first - 1}`;
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(why);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(why);
  });

  it('names a whole case deleted on a day no anchor covers yet, from the stream index, or from the case list and the gap it leaves when the index entry went too', async () => {
    // case-d and case-e start on 03-03, after the anchored day.
    const later = storeCopy();
    const store = new SqliteEventStore({ file: join(later, 'onematter.db') });
    await store.init();
    const clock = manualClock('2026-03-03T10:00:00+08:00');
    const handler = new CommandHandler({ store, catalogue: defaultCatalogue(), clock, topics: DEFAULT_TOPICS });
    for (const id of ['case-d', 'case-e']) {
      const r = await handler.execute(id, (now) => ({ type: 'StartCase', data: { caseId: id, matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant!, form: enterpriseSetupV1.example }, now }), 'clerk');
      expect(r.ok).toBe(true);
    }
    const d = await store.readStream('case-d');
    // The case list (a read model) caught up, as a server's does.
    const caseList = new CaseListProjection({ store, readModels: store.readModels });
    await caseList.cases.catchUp(d[d.length - 1]!.globalPosition);
    await store.close();
    const eventsOnly = storeCopy((db) => db.prepare('DELETE FROM events WHERE stream_id = ?').run('case-d'), later);
    const withIndex = storeCopy((db) => {
      db.prepare('DELETE FROM events WHERE stream_id = ?').run('case-d');
      db.prepare('DELETE FROM streams WHERE stream_id = ?').run('case-d');
    }, later);
    const [all, one, gap, named] = await Promise.all([
      cli(['audit', 'verify', '--all', '--data-dir', eventsOnly]),
      cli(['audit', 'verify', 'case-d', '--data-dir', eventsOnly]),
      cli(['audit', 'verify', '--all', '--data-dir', withIndex]),
      cli(['audit', 'verify', 'case-d', '--data-dir', withIndex]),
    ]);
    const deleted = `case case-d: first bad position 0: deleted: the store's stream index records its last position as ${d.length - 1}, and none of its events is left`;
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(deleted);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(deleted);
    expect(gap.code).toBe(1);
    expect(gap.stdout).toContain(
      `the global order: first missing position ${d[0]!.globalPosition}: deleted: ${d.length} events are missing from the global order, which has no gaps in this store (global positions ${d[0]!.globalPosition}–${d[d.length - 1]!.globalPosition})`,
    );
    expect(gap.stderr).toContain(`$all@${d[0]!.globalPosition}`);
    // The case list still names the case the index no longer does.
    const byCaseList = 'case case-d: first bad position 0: deleted: the case list (read model case-list) names it, and none of its events is left';
    expect(gap.stdout).toContain(byCaseList);
    expect(named.code).toBe(1);
    expect(named.stdout).toContain(byCaseList);
  });

  it('names a case whose last events were cut off after its day was anchored', async () => {
    const dir = storeCopy((db) => db.prepare('DELETE FROM events WHERE stream_id = ? AND position >= 13').run(SEEDED.a));
    const all = await cli(['audit', 'verify', '--all', '--data-dir', dir]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(`case ${SEEDED.a}: first bad position 13: truncated`);
  });

  it('finds the same break with worker threads, and lists every broken case', async () => {
    const dir = storeCopy((db) => {
      changeOneByte(db, SEEDED.a, 9);
      db.prepare('DELETE FROM events WHERE stream_id = ? AND position = 2').run(SEEDED.b);
    });
    const r = await cli(['audit', 'verify', '--all', '--workers', '2', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`case ${SEEDED.a}: first bad position 9`);
    expect(r.stdout).toContain(`case ${SEEDED.b}: first bad position 2`);
    expect(r.stderr).toContain(`${SEEDED.a}@9, ${SEEDED.b}@2`);
  });

  it('finds clean a store holding the same content as other JSON text (members reordered, spaces), as an older writer left it', async () => {
    const dir = storeCopy((db) => {
      const rows = db.prepare<[string], { position: number; data: string; metadata: string }>('SELECT position, data, metadata FROM events WHERE stream_id = ?').all(SEEDED.a);
      const reordered = (text: string) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text) as object).reverse()), null, 1);
      for (const r of rows) db.prepare('UPDATE events SET data = ?, metadata = ? WHERE stream_id = ? AND position = ?').run(reordered(r.data), reordered(r.metadata), SEEDED.a, r.position);
    });
    const r = await cli(['audit', 'verify', '--all', '--data-dir', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/OK 校验通过/);
  });

  it('names an event whose text was moved between its data and its metadata, although the two joined are unchanged', async () => {
    // An event whose data has a "metadata" member: its hashed text holds `,"metadata":` twice.
    const dir = storeCopy();
    const store = new SqliteEventStore({ file: join(dir, 'onematter.db') });
    await store.init();
    const streamId = 'crafted-case';
    const recordedAt = new Date().toISOString();
    const fields = { streamId, position: 0, type: 'Noted', data: { a: 1, metadata: 2 }, metadata: { v: 1 }, recordedAt, prevHash: genesisHash(streamId) };
    const { streamId: _s, ...e } = { ...fields, hash: eventHash(fields) };
    expect(await store.append({ streamId, events: [e], expectedRevision: -1 })).toMatchObject({ ok: true });
    await store.close();
    expect((await cli(['audit', 'verify', '--all', '--data-dir', dir])).code).toBe(0);
    // data `{"a":1` and metadata `2},"metadata":{"v":1}` join to the same text as before.
    const db = new Database(join(dir, 'onematter.db'));
    db.prepare('UPDATE events SET data = ?, metadata = ? WHERE stream_id = ?').run('{"a":1', '2},"metadata":{"v":1}', streamId);
    db.close();
    const r = await cli(['audit', 'verify', '--all', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`case ${streamId}: first bad position 0: the event was altered`);
  });

  it('records each verification in the access log, with who and why', async () => {
    const dir = storeCopy();
    const r = await cli(['audit', 'verify', SEEDED.a, '--data-dir', dir, '--actor', 'auditor-wang', '--reason', '年度审计']);
    expect(r.code).toBe(0);
    const db = new Database(join(dir, 'onematter.db'), { readonly: true });
    const rows = db.prepare<[], { stream_id: string; data: string }>("SELECT stream_id, data FROM events WHERE stream_id LIKE '$access-log-%'").all();
    db.close();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.data)).toMatchObject({ caseId: SEEDED.a, actor: 'auditor-wang', reason: '年度审计', route: 'cli: onematter audit verify' });
  });

  it('says how to use it when given neither a case nor --all, or no store (exit 2)', async () => {
    const [neither, nowhere] = await Promise.all([cli(['audit', 'verify', '--data-dir', pristine]), cli(['audit', 'verify', '--all', '--data-dir', join(root, 'nothing-here')])]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give a case id, or --all');
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('no SQLite store at');
  });
});

describe.concurrent('an auditor replays, reads and anchors from the command line', CLI_TESTS, () => {
  it('replays a case at a position and as of a moment, as JSON, and prints its timeline in Chinese', async () => {
    const dir = storeCopy();
    const [atPosition, asOf, timeline, early] = await Promise.all([
      cli(['audit', 'replay', SEEDED.a, '--position', '3', '--data-dir', dir]),
      cli(['audit', 'replay', SEEDED.b, '--as-of', '2026-03-02T23:59:00+08:00', '--data-dir', dir]),
      cli(['audit', 'timeline', SEEDED.c, '--data-dir', dir]),
      cli(['audit', 'replay', SEEDED.a, '--as-of', '2026-03-01T00:00:00+08:00', '--data-dir', dir]),
    ]);
    expect(atPosition.code, atPosition.stderr).toBe(0);
    const a = JSON.parse(atPosition.stdout);
    expect(a).toMatchObject({ id: SEEDED.a, revision: 3, matterVersion: 1 });
    expect(a.tasks.find((t: { step: string }) => t.step === 'samr').status).toBe('approved');
    expect(a.tasks.filter((t: { status: string }) => t.status === 'waiting')).toHaveLength(6);
    // case-b as of the end of 03-02: samr approved, tax still pending (it was decided on 03-03).
    const b = JSON.parse(asOf.stdout);
    expect(b.tasks.find((t: { step: string }) => t.step === 'tax').status).toBe('pending');
    expect(timeline.code).toBe(0);
    expect(timeline.stdout).toContain('#0 2026-03-02 09:');
    expect(timeline.stdout).toContain('要求补正');
    expect(timeline.stdout).toContain('办件计时暂停（补正）');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('did not exist yet');
  });

  it('records a daily anchor by hand, refuses a day before the last one, and the store still verifies clean', async () => {
    const dir = storeCopy();
    const again = await cli(['audit', 'anchor', '--day', SEEDED.day, '--data-dir', dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`already anchored: ${SEEDED.day} root [0-9a-f]{64}`));
    const next = await cli(['audit', 'anchor', '--day', '2026-03-03', '--data-dir', dir]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/recorded: 2026-03-03 root [0-9a-f]{64} \(\d+ streams/);
    const [behind, verified] = await Promise.all([
      cli(['audit', 'anchor', '--day', '2026-03-01', '--data-dir', dir]),
      cli(['audit', 'verify', '--all', '--data-dir', dir]),
    ]);
    expect(behind.code).toBe(2);
    expect(behind.stderr).toContain('anchors only move forward');
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/2 daily anchors \(2 match\)/);
  });
});

// On its own, not beside the concurrent replays above: three more CLIs at once would crowd a loaded machine.
describe('an auditor gives --as-of as a local time', () => {
  it('reads an --as-of without an offset in Asia/Shanghai, not in the host\'s zone, and says so', async () => {
    const dir = storeCopy();
    // case-b's tax step was approved at 09:01 Beijing time on 03-03; the host runs on UTC.
    const [local, day, nonsense] = await Promise.all([
      cli(['audit', 'replay', SEEDED.b, '--as-of', '2026-03-03T08:30', '--data-dir', dir], { TZ: 'UTC' }),
      cli(['audit', 'replay', SEEDED.b, '--as-of', '2026-03-03', '--data-dir', dir], { TZ: 'America/New_York' }),
      cli(['audit', 'replay', SEEDED.b, '--as-of', '2026-02-30T08:30', '--data-dir', dir], { TZ: 'UTC' }),
    ]);
    expect(local.code, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout).tasks.find((t: { step: string }) => t.step === 'tax').status).toBe('pending');
    expect(local.stderr).toContain('as of 2026-03-03T08:30:00+08:00 (2026-03-03T08:30 read in Asia/Shanghai)');
    expect(day.code, day.stderr).toBe(0);
    expect(day.stderr).toContain('as of 2026-03-03T00:00:00+08:00');
    expect(JSON.parse(day.stdout).tasks.find((t: { step: string }) => t.step === 'samr').status).toBe('approved');
    expect(nonsense.code).toBe(2);
    expect(nonsense.stderr).toContain('is not an ISO 8601 time');
  });
});
