// PostgreSQL rows of the benchmark: imported by the bench harness (tests/bench/run.mjs),
// or run on its own: node tests/bench/postgres.bench.mjs [--cases 3000] [--url postgres://…]
// Runs on the built packages (dist). Each run uses schemas of its own, dropped after.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { createRuntime } from '@onematter/api';
import { enterpriseSetupV1 } from '@onematter/workflows';
import { cpuSecondsOf } from './procCpu.mjs';

const log = pino({ level: 'silent' });
const CONCURRENCY = 400;

const startBody = () => ({ matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example });

/** Runs `n` tasks with at most `limit` in flight. */
async function pool(n, limit, task) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await task(next++);
  }));
}

/** A runtime with instant simulated departments, and a promise of `n` cases completed. */
async function runEngine(config, n) {
  const runtime = await createRuntime({ dataDir: tmpdir(), bus: 'memory', simulateDepartments: true, simulation: { delayMs: [0, 0] }, ...config }, log);
  let completed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  await runtime.bus.subscribe(runtime.topics.events, async (m) => {
    if (m.value.type === 'CaseCompleted' && ++completed === n) resolveDone();
  }, { group: 'bench' });
  return { runtime, done };
}

async function startCases(runtime, n) {
  await pool(n, CONCURRENCY, async (i) => {
    const caseId = `bench-${i}`;
    const r = await runtime.handler.execute(caseId, (now) => ({ type: 'StartCase', data: { caseId, ...startBody() }, now }));
    if (!r.ok) throw new Error(r.error.message);
  });
}

/**
 * (b) The engine end to end on PostgreSQL: cases started through the command handler,
 * tasks relayed from the outbox over the in-process bus to instant simulated
 * departments, decisions handled as commands, until every case published CaseCompleted.
 */
async function engineRun(url, n) {
  const schema = `bench_engine_${randomBytes(4).toString('hex')}`;
  const { runtime, done } = await runEngine({ store: 'postgres', pgUrl: url, pgSchema: schema }, n);
  try {
    const cpu0 = process.cpuUsage();
    const server0 = cpuSecondsOf(/^postgres/);
    const t0 = performance.now();
    await startCases(runtime, n);
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const serverCpuMsPerCase = server0 === undefined ? undefined : ((cpuSecondsOf(/^postgres/) - server0) * 1000) / n;
    const events = await runtime.store.headPosition();
    return { seconds, casesPerSec: n / seconds, events, eventsPerSec: events / seconds, cpuMsPerCase: (cpu.user + cpu.system) / 1000 / n, serverCpuMsPerCase };
  } finally {
    await runtime.close();
    await dropSchema(url, schema);
  }
}

/** The exact appends (events and outbox rows, in the same groups) the engine makes for `n` cases, recorded on the memory store. */
async function recordAppends(n) {
  const recorded = [];
  const { runtime, done } = await runEngine({ store: 'memory' }, n);
  const append = runtime.store.append.bind(runtime.store);
  runtime.store.append = async (req) => {
    recorded.push(structuredClone(req));
    return append(req);
  };
  await startCases(runtime, n);
  await done;
  await runtime.close();
  return recorded;
}

/**
 * (a) The floor: the same appends as plain INSERTs with `pg`, into tables shaped like the
 * store's (json columns, primary keys, the unique stream position), with no revision
 * checks, no position reservation and no engine. Like the store (and the SQLite floor),
 * appends issued at once are written together: each turn of the event loop sends one
 * multi-row INSERT of events and outbox rows (one autocommit statement), up to 4 such
 * statements in flight; a case's appends follow one another, 400 cases in parallel.
 */
async function floorRun(url, appends) {
  const schema = `bench_floor_${randomBytes(4).toString('hex')}`;
  const S = `"${schema}"`;
  const db = new pg.Pool({ connectionString: url, max: 4 });
  await db.query(`CREATE SCHEMA ${S};
    CREATE TABLE ${S}.events (
      global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      stream_id text NOT NULL, position bigint NOT NULL, type text NOT NULL,
      data json NOT NULL, metadata json NOT NULL, recorded_at text NOT NULL,
      prev_hash text NOT NULL, hash text NOT NULL,
      UNIQUE (stream_id, position));
    CREATE TABLE ${S}.outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      topic text NOT NULL, key text NOT NULL, headers json NOT NULL, value json NOT NULL);`);
  const insert = `WITH e AS (
      INSERT INTO ${S}.events (stream_id, position, type, data, metadata, recorded_at, prev_hash, hash)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::json[], $5::json[], $6::text[], $7::text[], $8::text[]))
    INSERT INTO ${S}.outbox (topic, key, headers, value)
    SELECT * FROM unnest($9::text[], $10::text[], $11::json[], $12::json[])`;

  let queue = [];
  let inFlight = 0;
  let scheduled = false;
  const flush = () => {
    while (queue.length > 0 && inFlight < 4) {
      const batch = queue.splice(0, 1000);
      const events = batch.flatMap((a) => a.events.map((e) => ({ streamId: a.streamId, ...e })));
      const messages = batch.flatMap((a) => a.outbox ?? []);
      inFlight++;
      db.query({
        name: 'floor',
        text: insert,
        values: [
          events.map((e) => e.streamId), events.map((e) => e.position), events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)), events.map((e) => JSON.stringify(e.metadata)),
          events.map((e) => e.recordedAt), events.map((e) => e.prevHash), events.map((e) => e.hash),
          messages.map((m) => m.topic), messages.map((m) => m.key),
          messages.map((m) => JSON.stringify(m.headers)), messages.map((m) => JSON.stringify(m.value)),
        ],
      }).then(
        () => { for (const a of batch) a.done(); },
        (error) => { for (const a of batch) a.fail(error); },
      ).finally(() => { inFlight--; flush(); });
    }
  };
  const write = (a) => new Promise((done, fail) => {
    queue.push({ ...a, done, fail });
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => { scheduled = false; flush(); });
    }
  });

  const byStream = new Map();
  for (const a of appends) byStream.set(a.streamId, [...(byStream.get(a.streamId) ?? []), a]);
  const streams = [...byStream.values()];
  try {
    const t0 = performance.now();
    await pool(streams.length, CONCURRENCY, async (i) => {
      for (const a of streams[i]) await write(a);
    });
    const seconds = (performance.now() - t0) / 1000;
    const events = appends.reduce((n, a) => n + a.events.length, 0);
    return { seconds, eventsPerSec: events / seconds, casesPerSec: streams.length / seconds, events };
  } finally {
    await db.query(`DROP SCHEMA ${S} CASCADE`).catch(() => {});
    await db.end();
  }
}

async function dropSchema(url, schema) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Measures (b) enterprise-setup cases completed on PostgreSQL end to end, then (a) the
 * raw INSERT floor of the same appends. `ratio` is floor ÷ engine in cases per second
 * (target ≤ 3; the engine's target is ≥ 300 cases/s).
 */
export async function benchPostgres({ url = 'postgres://postgres@127.0.0.1:5432/test', cases = 3000 } = {}) {
  // The engine first, on a clean heap; the recorded appends for the floor come after.
  const engine = await engineRun(url, cases);
  let appends = await recordAppends(cases);
  globalThis.gc?.();
  const floor = await floorRun(url, appends);
  appends = undefined;
  return {
    cases,
    events: engine.events,
    seconds: engine.seconds,
    casesPerSec: engine.casesPerSec,
    eventsPerSec: engine.eventsPerSec,
    floorSeconds: floor.seconds,
    floorEventsPerSec: floor.eventsPerSec,
    floorCasesPerSec: floor.casesPerSec,
    ratio: floor.casesPerSec / engine.casesPerSec,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '3000' },
      url: { type: 'string', default: process.env.ONEMATTER_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
      // --engine-only: row (b) alone (profiling, A/B runs), with the engine process's CPU time per case.
      'engine-only': { type: 'boolean', default: false },
    },
  });
  const r = values['engine-only'] ? await engineRun(values.url, Number(values.cases)) : await benchPostgres({ url: values.url, cases: Number(values.cases) });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
