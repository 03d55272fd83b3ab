/**
 * The same edits, made with SQL in PostgreSQL, found by the same verification the
 * CLI runs (verifyAll for --all, verifyCase for one case), on a real PostgreSQL store.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler, DEFAULT_TOPICS, verifyCase, type EventStore } from '@onematter/engine';
import { defaultCatalogue, enterpriseSetupV1 } from '@onematter/workflows';
import { CaseListProjection } from '../../packages/adapters/src/index.js';
import { PostgresEventStore } from '../../packages/adapters/src/stores/index.js';
import { verifyAll } from '../../packages/api/src/audit/verifyAll.js';
import { caseListNames } from '../../packages/api/src/audit/witnesses.js';
import { SEEDED, manualClock, seedAuditStore } from '../support/audit.js';

const url = process.env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: url, max: 4 });
const stores: EventStore[] = [];
const schemas: string[] = [];
let seeded: string;

/** A copy of the seeded schema, edited by `tamper` with plain SQL. */
async function schemaCopy(tamper?: (S: string) => Promise<unknown>): Promise<EventStore> {
  const schema = `audit_${randomBytes(5).toString('hex')}`;
  schemas.push(schema);
  const store = new PostgresEventStore({ connectionString: url, schema, poolSize: 4 });
  stores.push(store);
  await store.init();
  await admin.query(`INSERT INTO "${schema}".events SELECT * FROM "${seeded}".events`);
  await admin.query(`INSERT INTO "${schema}".streams SELECT * FROM "${seeded}".streams`);
  if (tamper) await tamper(`"${schema}"`);
  return store;
}

beforeAll(async () => {
  seeded = `audit_seed_${randomBytes(5).toString('hex')}`;
  schemas.push(seeded);
  const store = new PostgresEventStore({ connectionString: url, schema: seeded, poolSize: 4 });
  await store.init();
  await seedAuditStore(store);
  await store.close();
});

afterAll(async () => {
  for (const s of stores) await s.close().catch(() => {});
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await admin.end();
});

describe('an auditor verifies a PostgreSQL store', () => {
  it('finds an untouched store clean, with its anchor matching', async () => {
    const store = await schemaCopy();
    const all = await verifyAll({ store });
    expect(all.problems).toEqual([]);
    expect(all).toMatchObject({ cases: 3, anchors: 1, anchorsMatched: 1 });
    expect((await verifyCase(store, SEEDED.a)).problem).toBeNull();
  });

  it('names the case and position when one byte of one event\'s data was changed', async () => {
    const store = await schemaCopy((S) =>
      admin.query(`UPDATE ${S}.events SET data = replace(data::text, '"approved"', '"approveD"')::json WHERE stream_id = $1 AND position = 3`, [SEEDED.a]),
    );
    // Position 3: the samr decision (after CaseStarted, CaseAccepted and its dispatch).
    expect((await verifyAll({ store })).problems).toEqual([expect.objectContaining({ streamId: SEEDED.a, position: 3, reason: expect.stringMatching(/altered/) })]);
    expect((await verifyCase(store, SEEDED.a)).problem).toMatchObject({ streamId: SEEDED.a, position: 3 });
  });

  it('names the case and position when an event was deleted', async () => {
    const store = await schemaCopy((S) => admin.query(`DELETE FROM ${S}.events WHERE stream_id = $1 AND position = 4`, [SEEDED.a]));
    expect((await verifyAll({ store })).problems).toEqual([expect.objectContaining({ streamId: SEEDED.a, position: 4 })]);
    expect((await verifyCase(store, SEEDED.a)).problem).toMatchObject({ position: 4 });
  });

  it('names the case and position when two events were swapped', async () => {
    const store = await schemaCopy(async (S) => {
      await admin.query(`UPDATE ${S}.events SET position = -1 WHERE stream_id = $1 AND position = 5`, [SEEDED.a]);
      await admin.query(`UPDATE ${S}.events SET position = 5 WHERE stream_id = $1 AND position = 6`, [SEEDED.a]);
      await admin.query(`UPDATE ${S}.events SET position = 6 WHERE stream_id = $1 AND position = -1`, [SEEDED.a]);
    });
    expect((await verifyAll({ store })).problems).toEqual([expect.objectContaining({ streamId: SEEDED.a, position: 5 })]);
    expect((await verifyCase(store, SEEDED.a)).problem).toMatchObject({ position: 5 });
  });

  it('names a whole case deleted from the database, through the daily anchor', async () => {
    const store = await schemaCopy(async (S) => {
      await admin.query(`DELETE FROM ${S}.events WHERE stream_id = $1`, [SEEDED.c]);
      await admin.query(`DELETE FROM ${S}.streams WHERE stream_id = $1`, [SEEDED.c]);
    });
    expect((await verifyAll({ store })).problems).toEqual([
      expect.objectContaining({ streamId: SEEDED.c, position: 0, reason: expect.stringMatching(/^deleted: the anchor of 2026-03-02/) }),
    ]);
    const one = await verifyCase(store, SEEDED.c);
    expect(one).toMatchObject({ unknown: false, anchored: 1, problem: { position: 0 } });
  });

  it('names a case whose events were deleted on a day no anchor covers yet, or cut off, from the store\'s stream index', async () => {
    // case-b's work of 03-03 comes after the anchored day; a fresh case of 03-03 (copied from case-c under another id) has no anchor at all.
    const store = await schemaCopy(async (S) => {
      await admin.query(`INSERT INTO ${S}.streams SELECT 'case-d', revision FROM ${S}.streams WHERE stream_id = $1`, [SEEDED.c]);
      await admin.query(`DELETE FROM ${S}.events WHERE stream_id = $1 AND recorded_at >= '2026-03-03'`, [SEEDED.b]);
    });
    const [{ rows: b }, { rows: d }] = await Promise.all([
      admin.query<{ revision: string }>(`SELECT revision FROM "${schemas[schemas.length - 1]}".streams WHERE stream_id = $1`, [SEEDED.b]),
      admin.query<{ revision: string }>(`SELECT revision FROM "${schemas[schemas.length - 1]}".streams WHERE stream_id = 'case-d'`),
    ]);
    const kept = (await store.readStream(SEEDED.b)).length;
    const all = await verifyAll({ store });
    expect(all.problems).toEqual([
      { streamId: SEEDED.b, position: kept, reason: `cut off: the store's stream index records its last position as ${b[0]!.revision}, its events end at ${kept - 1}` },
      { streamId: 'case-d', position: 0, reason: `deleted: the store's stream index records its last position as ${d[0]!.revision}, and none of its events is left` },
    ]);
    expect(await verifyCase(store, 'case-d')).toMatchObject({ unknown: false, anchored: 0, problem: { position: 0, reason: expect.stringMatching(/^deleted: the store's stream index/) } });
  });

  it('names a whole case deleted from the events and the stream index on a day no anchor covers, from the case list', async () => {
    const store = (await schemaCopy()) as PostgresEventStore;
    const S = `"${schemas[schemas.length - 1]}"`;
    // The copied events took their positions without the sequence: move it past them.
    await admin.query(`SELECT setval('${S}.global_position_seq', (SELECT max(global_position) FROM ${S}.events))`);
    // case-d starts on 03-03, after the anchored day; the case list catches up, as a server's does.
    const clock = manualClock('2026-03-03T10:00:00+08:00');
    const handler = new CommandHandler({ store, catalogue: defaultCatalogue(), clock, topics: DEFAULT_TOPICS });
    const started = await handler.execute('case-d', (now) => ({ type: 'StartCase', data: { caseId: 'case-d', matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant!, form: enterpriseSetupV1.example }, now }), 'clerk');
    expect(started.ok).toBe(true);
    const caseList = new CaseListProjection({ store, readModels: store.readModels });
    await caseList.cases.catchUp((await store.readStream('case-d')).at(-1)!.globalPosition);
    await admin.query(`DELETE FROM ${S}.events WHERE stream_id = 'case-d'`);
    await admin.query(`DELETE FROM ${S}.streams WHERE stream_id = 'case-d'`);
    const reason = 'deleted: the case list (read model case-list) names it, and none of its events is left';
    expect((await verifyAll({ store, readModels: store.readModels })).problems).toEqual([{ streamId: 'case-d', position: 0, reason }]);
    // Without the case list nothing names it: PostgreSQL's global order may skip positions anyway.
    expect((await verifyAll({ store })).problems).toEqual([]);
    const one = await verifyCase(store, 'case-d', { namedBy: await caseListNames(store.readModels, 'case-d') });
    expect(one).toMatchObject({ unknown: false, anchored: 0, problem: { streamId: 'case-d', position: 0, reason } });
  });
});
