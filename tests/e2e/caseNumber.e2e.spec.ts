import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeConfig } from '@onematter/api';
import { replayCase } from '@onematter/engine';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { dropSchema, TEST_PG_URL, whyUnreachable } from '../support/postgres.js';

/**
 * 办件编号: every case gets a short number a clerk can read out — the day (Beijing time)
 * and its sequence that day — unique however many windows accept at once, recorded in
 * the case's first event (a replay gives the same number), found by the list's search.
 */
let t: TestApp;
const start = (headers: Record<string, string> = {}, over: Record<string, unknown> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/cases', headers, payload: { matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example, ...over } });
const beijingDay = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');

describe('the 办件编号', () => {
  beforeEach(async () => {
    t = await testApp();
  });
  afterEach(async () => t.close());

  it('numbers the cases of a day 1, 2, 3 … with no two alike when two hundred windows accept at once', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, () => start()));
    const numbers = answers.map((r) => {
      expect(r.statusCode, r.body).toBe(201);
      return r.json().caseNumber as string;
    });
    expect(new Set(numbers).size).toBe(200);
    expect(numbers.sort()).toEqual(Array.from({ length: 200 }, (_, i) => `${beijingDay()}-${String(i + 1).padStart(6, '0')}`));
  });

  it('is recorded in the case: the view, the list, a replay and a retried request show the same number', async () => {
    const first = await start({ 'idempotency-key': 'window-3-0001' });
    const c = first.json();
    expect(c.caseNumber).toMatch(/^\d{8}-\d{6}$/);
    // A retry with the same key is the same case with the same number, and uses up no other.
    const again = await start({ 'idempotency-key': 'window-3-0001' });
    expect(again.statusCode).toBe(201);
    expect(again.json().caseNumber).toBe(c.caseNumber);
    // A refused application takes no number.
    expect((await start({}, { form: {} })).statusCode).toBe(400);
    const next = (await start()).json();
    expect(Number(next.caseNumber.slice(9))).toBe(Number(c.caseNumber.slice(9)) + 1);

    expect((await t.app.inject({ url: `/api/v1/cases/${c.id}` })).json().caseNumber).toBe(c.caseNumber);
    const events = await t.runtime.store.readStream(c.id);
    const replayed = replayCase(t.runtime.catalogue, events);
    expect(replayed.ok && replayed.value.caseNumber).toBe(c.caseNumber);
    const list = (await t.app.inject({ url: '/api/v1/cases?limit=10' })).json().items as { id: string; caseNumber?: string }[];
    expect(list.find((x) => x.id === c.id)?.caseNumber).toBe(c.caseNumber);
  });

  it('finds a case by its 办件编号 in the list search, exactly', async () => {
    const a = (await start()).json();
    const b = (await start()).json();
    const found = async (q: string) => ((await t.app.inject({ url: `/api/v1/cases?q=${encodeURIComponent(q)}` })).json().items as { id: string }[]).map((x) => x.id);
    expect(await found(a.caseNumber)).toEqual([a.id]);
    expect(await found(` ${b.caseNumber} `)).toEqual([b.id]);
    expect(await found(a.caseNumber.slice(0, 8))).toEqual([]);
  });
});

const pgDown = await whyUnreachable();

describe.each(['sqlite', 'postgres'] as const)('the 办件编号 on %s', (store) => {
  it('gives two hundred windows accepting at once two hundred different numbers, 1 to 200', async () => {
    if (store === 'postgres' && pgDown) throw new Error(`PostgreSQL is unreachable at ${TEST_PG_URL} (${pgDown}); CI must run the PostgreSQL tests`);
    const dataDir = mkdtempSync(join(tmpdir(), 'onematter-number-'));
    const schema = `number_${randomBytes(5).toString('hex')}`;
    const config: Partial<RuntimeConfig> = store === 'sqlite' ? { store, dataDir } : { store, pgUrl: TEST_PG_URL, pgSchema: schema };
    t = await testApp(config);
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, () => start()));
      const numbers = answers.map((r) => {
        expect(r.statusCode, r.body).toBe(201);
        return r.json().caseNumber as string;
      });
      expect(numbers.sort()).toEqual(Array.from({ length: 200 }, (_, i) => `${beijingDay()}-${String(i + 1).padStart(6, '0')}`));
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (store === 'postgres' && !pgDown) await dropSchema(schema);
    }
  });
});
