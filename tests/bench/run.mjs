#!/usr/bin/env node
// `npm run bench`: measures the engine against its floor on this machine and
// writes docs/benchmarks.md. Runs on the built packages (dist), as users run them.
//
//   node --expose-gc tests/bench/run.mjs [--cases 3000] [--only sqlite,kafka,postgres,http,growth,restart,timers,audit]
// Each piece also runs alone: node --expose-gc tests/bench/<piece>.bench.mjs (see each file).
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, tmpdir, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { createRuntime } from '@onematter/api';
import { completions, engineRun, pool, silentLog as log, startBody } from './engine.mjs';
import { openStore, InProcessBus } from '@onematter/adapters';
import { enterpriseSetupV1 } from '@onematter/workflows';

const ROOT = resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '3000' },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'docs/benchmarks.md') },
  },
});
const CASES = Number(args.cases);
const only = args.only ? new Set(args.only.split(',')) : undefined;
const wanted = (name) => !only || only.has(name);
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/**
 * Records the exact appends (events + outbox rows, in the same groups) that the
 * engine made for `n` cases, by running it once on the memory store.
 */
async function recordAppends(n) {
  const recorded = [];
  const runtime = await createRuntime({ store: 'memory', dataDir: tmpdir(), bus: 'memory', simulateDepartments: true, simulation: { delayMs: [0, 0] } }, log);
  const append = runtime.store.append.bind(runtime.store);
  runtime.store.append = async (req) => {
    recorded.push(structuredClone(req));
    return append(req);
  };
  const { done } = await completions(runtime, n);
  await pool(n, 400, async (i) => {
    await runtime.handler.execute(`bench-${i}`, (now) => ({ type: 'StartCase', data: { caseId: `bench-${i}`, ...startBody() }, now }));
  });
  await done;
  await runtime.close();
  return recorded;
}

/**
 * (a) The floor: the same appends straight into the store, no engine, the same
 * concurrency per case (a case's appends are sequential, cases run in parallel).
 */
async function floorRun(openFloorStore, appends, concurrency = 400) {
  const byStream = new Map();
  for (const a of appends) byStream.set(a.streamId, [...(byStream.get(a.streamId) ?? []), a]);
  const streams = [...byStream.values()];
  const store = await openFloorStore();
  const t0 = performance.now();
  await pool(streams.length, concurrency, async (i) => {
    for (const a of streams[i]) {
      const r = await store.append(a);
      if (!r.ok) throw new Error('floor append conflicted');
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  const events = appends.reduce((n, a) => n + a.events.length, 0);
  return { seconds, eventsPerSec: events / seconds, casesPerSec: streams.length / seconds, events };
}

function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu.trim()}, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

/**
 * How fast this machine is at two things every row above depends on, measured the
 * same way on every run: machines differ several-fold, and these two numbers let a
 * reader compare this file with a run elsewhere.
 */
function calibration() {
  const text = 'x'.repeat(1024);
  let t = performance.now();
  let n = 0;
  while (performance.now() - t < 500) {
    for (let i = 0; i < 1000; i++) createHash('sha256').update(text).digest('hex');
    n += 1000;
  }
  const shaMbPerSec = (n * 1024) / 2 ** 20 / ((performance.now() - t) / 1000);
  const doc = JSON.stringify({ caseId: 'c-1', step: 'samr', form: enterpriseSetupV1.example });
  t = performance.now();
  n = 0;
  while (performance.now() - t < 500) {
    for (let i = 0; i < 1000; i++) JSON.parse(doc);
    n += 1000;
  }
  const parsesPerSec = n / ((performance.now() - t) / 1000);
  return `SHA-256 of 1 KiB ${fmt(shaMbPerSec)} MB/s, JSON.parse of a ${fmt(doc.length)}-byte form ${fmt(parsesPerSec)}/s (one thread)`;
}

const speed = calibration();
const sections = [];
const results = {};

if (wanted('sqlite')) {
  // The engine runs first, on a clean heap; the recorded appends for the floor come after.
  process.stderr.write('sqlite: engine...\n');
  const engine = await engineRun({ store: 'sqlite', bus: 'memory' }, CASES);
  process.stderr.write(`sqlite: recording the appends of ${CASES} cases...\n`);
  let appends = await recordAppends(CASES);
  global.gc?.();
  process.stderr.write('sqlite: floor...\n');
  const floorDir = mkdtempSync(join(tmpdir(), 'onematter-floor-'));
  const floor = await floorRun(() => openStore({ kind: 'sqlite', dataDir: floorDir }), appends);
  appends = undefined;
  rmSync(floorDir, { recursive: true, force: true });
  results.sqlite = { floor, engine };
  const ratio = floor.casesPerSec / engine.casesPerSec;
  const meets = engine.casesPerSec >= 1200 && ratio <= 2.5;
  sections.push(`## Engine on SQLite (embedded default)

${CASES} enterprise-setup cases (16 events, 8 commands and 7 outbox rows — the tasks — each), 400 in flight, SQLite in WAL mode with \`synchronous=FULL\`: every acknowledged command is fsynced; concurrent appends share one commit (group commit).

| run | what it does | time (s) | cases/s | events/s |
|---|---|---:|---:|---:|
| (a) floor | the same appends (events + outbox rows, same grouping) straight into the SQLite store, no engine | ${fmt(floor.seconds, 2)} | ${fmt(floor.casesPerSec)} | ${fmt(floor.eventsPerSec)} |
| (b) engine | cases started through the command handler; outbox relay → in-process bus → 7 instant simulated departments → decisions as commands, until every case published CaseCompleted | ${fmt(engine.seconds, 2)} | ${fmt(engine.casesPerSec)} | ${fmt(engine.eventsPerSec)} |
| (c) ratio | floor ÷ engine (target ≤ 2.5) | | ${fmt(ratio, 2)}× | |

Targets (issue 18): ≥ 1,200 cases/s and within 2.5× of the floor: **${meets ? 'met' : 'NOT met'}**. Process RSS at the end of (b): ${fmt(engine.rssMb)} MB.
${meets ? '' : `
Note: the absolute target (≥ 1,200 cases/s with every command fsynced) is ${engine.casesPerSec >= 1200 ? 'met' : 'NOT met'}; the ratio is ${ratio <= 2.5 ? 'met' : 'NOT met'}. Group commit makes the floor fast (tens of thousands of events per second), while the engine does per case what the floor does not: 8 XState transitions (30–60 µs each here, after replacing xstate's \`transition()\` — which rebuilt the machine's initial snapshot on every call — with one reused inert actor scope), a SHA-256 hash chain over canonical JSON for 16 events, zod validation of the form and of each department's output, the outbox relay, the in-process bus and 7 simulated departments, all on one Node thread of a 2-core machine.
`}`);
}

if (wanted('kafka')) {
  const { benchKafka } = await import('./kafka.bench.mjs');
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  process.stderr.write('kafka: engine and floor (needs npm run kafka:start)...\n');
  try {
    const k = await benchKafka({ brokers, cases: Math.min(CASES, 2000) });
    results.kafka = k;
    sections.push(`## Engine over Kafka

${k.cases} enterprise-setup cases over a real Apache Kafka 3.9 broker on this machine (single node, KRaft): tasks from the outbox relay to \`onematter.tasks.<department>\`, every event on \`onematter.events\`, decisions back on \`onematter.decisions\`, in-process simulated departments answering through the department SDK; SQLite store. ${fmt(k.messages)} messages moved.

| run | what it does | time (s) | messages/s | cases/s |
|---|---|---:|---:|---:|
| (a) floor | the same number of messages produced (idempotent kafkajs producer, acks -1) and consumed by one group, no engine | ${fmt(k.floorSeconds, 2)} | ${fmt(k.floorMsgsPerSec)} | |
| (b) engine | cases completed end to end over Kafka | ${fmt(k.seconds, 2)} | ${fmt(k.msgsPerSec)} | ${fmt(k.casesPerSec)} |
| (c) ratio | floor ÷ engine message rate | | ${fmt(k.ratio, 2)}× | |

Target (issue 18) ≥ 700 cases/s: **${k.casesPerSec >= 700 ? 'met' : 'NOT met'}**. The broker and the engine share the machine's two cores; kafkajs encoding and decoding take about a quarter of the engine process's CPU.
`);
  } catch (error) {
    process.stderr.write(`kafka: skipped (${error.message}); start a broker with npm run kafka:start\n`);
  }
}

if (wanted('postgres')) {
  const { benchPostgres } = await import('./postgres.bench.mjs');
  const url = process.env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  process.stderr.write('postgres: floor and engine...\n');
  try {
    const p = await benchPostgres({ url, cases: CASES });
    results.postgres = p;
    sections.push(`## Engine on PostgreSQL

${p.cases} enterprise-setup cases on the local PostgreSQL 15 (same machine), in-process bus, instant simulated departments; each run in its own schema.

| run | what it does | time (s) | cases/s | events/s |
|---|---|---:|---:|---:|
| (a) floor | raw \`pg\` INSERTs of the same events and outbox rows, same grouping, no engine | ${fmt(p.floorSeconds, 2)} | ${fmt(p.floorCasesPerSec)} | ${fmt(p.floorEventsPerSec)} |
| (b) engine | cases completed end to end on the PostgreSQL store | ${fmt(p.seconds, 2)} | ${fmt(p.casesPerSec)} | ${fmt(p.eventsPerSec)} |
| (c) ratio | floor ÷ engine | | ${fmt(p.ratio, 2)}× | |

Target (issue 18): ≥ 1,000 cases/s: **${p.casesPerSec >= 1000 ? 'met' : 'NOT met'}**.
`);
  } catch (error) {
    process.stderr.write(`postgres: skipped (${error.message})\n`);
  }
}

if (wanted('http')) {
  const { benchHttp } = await import('./http.bench.mjs');
  const httpCases = Math.min(CASES, 2000);
  process.stderr.write(`http: ${httpCases} cases over HTTP at 16 and 128 in flight (a server in a child process)...\n`);
  const h = await benchHttp({ cases: httpCases, inFlight: [16, 128] });
  results.http = h;
  const at16 = h.runs.find((r) => r.inFlight === 16);
  const best = Math.max(...h.runs.map((r) => r.casesPerSec));
  const meets = best >= 500 && at16.decisionP99Ms < 50;
  sections.push(`## Engine over HTTP

${httpCases} enterprise-setup cases per row driven over HTTP by a separate load process (tests/bench/http.bench.mjs, undici) against \`onematter serve\` (SQLite, in-process bus, no simulated departments) in a child process, a fresh store per row: per case 1 \`POST /cases\` and 7 \`POST /tasks/:taskId/decisions\`; the seven department systems find their tasks by polling \`GET /cases?department=<id>&taskStatus=pending\` (one request at a time each, beside the in-flight ones) and the tax system reads the case (\`GET /cases/:id\`) for the code it must echo. "In flight" counts the starts and decisions under way at once. Requests/s counts every request, polls included. 50 cases of warm-up first, not counted.

| in flight | time (s) | cases/s | requests/s | decision p50 (ms) | decision p99 (ms) |
|---:|---:|---:|---:|---:|---:|
${h.runs.map((r) => `| ${r.inFlight} | ${fmt(r.seconds, 2)} | ${fmt(r.casesPerSec)} | ${fmt(r.requestsPerSec)} | ${fmt(r.decisionP50Ms, 1)} | ${fmt(r.decisionP99Ms, 1)} |`).join('\n')}

Targets: ≥ 500 cases/s and decision p99 < 50 ms at 16 in flight: **${meets ? 'met' : 'NOT met'}** (cases/s ${best >= 500 ? 'met' : 'NOT met'}, p99 at 16 in flight ${at16.decisionP99Ms < 50 ? 'met' : 'NOT met'}).
`);
}

if (wanted('growth')) {
  const { benchGrowth } = await import('./growth.bench.mjs');
  process.stderr.write(`growth: ${CASES} cases on an empty store and on one of 1,000,000 events...\n`);
  const g = await benchGrowth({ cases: CASES, events: 1_000_000 });
  results.growth = g;
  const drop = 1 - g.ratio;
  sections.push(`## Flat as the store grows

The SQLite engine run above (${fmt(g.cases)} cases, 400 in flight, instant simulated departments), in one process (tests/bench/growth.bench.mjs): on an empty store and on a store already holding ${fmt(g.seeded)} events (${fmt(g.seeded / 16)} completed enterprise-setup cases, hash-chained, written through the store's raw append path in ${fmt(g.fillSeconds, 1)} s), ${g.rounds} rounds alternating the two, medians compared (one run swings by about ±10% on this machine). On the full store every follower (case list, work queues, time limits, event feed) first reaches the head (${fmt(g.firstStartSeconds, 1)} s at the first start), as on a server that has been running; then the same work is timed. A warm-up run comes first, not counted.

| store | time (s), median run | cases/s, median | CPU per case (ms) | cases/s of each round |
|---|---:|---:|---:|---|
| empty | ${fmt(g.empty.seconds, 2)} | ${fmt(g.empty.casesPerSec)} | ${fmt(g.empty.cpuMsPerCase, 2)} | ${g.emptyRuns.map((r) => fmt(r.casesPerSec)).join(', ')} |
| ${fmt(g.seeded)} events | ${fmt(g.full.seconds, 2)} | ${fmt(g.full.casesPerSec)} | ${fmt(g.full.cpuMsPerCase, 2)} | ${g.fullRuns.map((r) => fmt(r.casesPerSec)).join(', ')} |

Full ÷ empty: ${fmt(g.ratio, 2)}. Target within 10%: **${Math.abs(drop) <= 0.1 || g.ratio > 1 ? 'met' : 'NOT met'}**.
`);
}

if (wanted('restart')) {
  const { benchRestart } = await import('./restart.bench.mjs');
  process.stderr.write('restart: 100,000 open cases...\n');
  const r = await benchRestart({ cases: 100_000 });
  results.restart = r;
  const meets = r.restart.rssMb < 1024 && r.restart.seconds < 10;
  sections.push(`## After a restart

${fmt(r.cases)} open enterprise-setup cases (${fmt(r.events)} events, time-limit timers armed) in a SQLite store; the server's runtime (createRuntime, as \`onematter serve\` runs it: store, log follower, case list and work queues, time limits and the durable-timer schedule, outbox relay, event feed with one listener) started on it in a fresh Node process (tests/bench/restart.bench.mjs), timed until every follower has reached the head. The first start builds everything from the log; the restart finds the read models and the feed's checkpoint where the first start left them and rebuilds what lives in memory (time limits, schedule).

| start | time (s) | CPU (s) | RSS (MB) | JS heap (MB) | timers armed |
|---|---:|---:|---:|---:|---:|
| first start | ${fmt(r.first.seconds, 2)} | ${fmt(r.first.cpuSeconds, 2)} | ${fmt(r.first.rssMb)} | ${fmt(r.first.heapMb)} | ${fmt(r.first.armed ?? 0)} |
| restart | ${fmt(r.restart.seconds, 2)} | ${fmt(r.restart.cpuSeconds, 2)} | ${fmt(r.restart.rssMb)} | ${fmt(r.restart.heapMb)} | ${fmt(r.restart.armed ?? 0)} |

Targets (restart): RSS < 1 GB and rebuild < 10 s: **${meets ? 'met' : 'NOT met'}**.
`);
}

if (wanted('timers')) {
  const { benchTimers } = await import('./timers.bench.mjs');
  process.stderr.write('timers: 100,000 armed timers...\n');
  const t = await benchTimers({ timers: 100_000 });
  results.timers = t;
  sections.push(`## Durable timers

${fmt(t.timers)} armed time-limit timers (open cases with committed and statutory clocks) in a SQLite store; the schedule is rebuilt from the event stream in a fresh process, as a server start does: three starts, the median one reported.

| what | measured | target |
|---|---:|---:|
| rebuild the schedule on start (s) | ${fmt(t.rebuildSeconds, 2)} | < 5 |
| CPU time of the rebuild (s) | ${fmt(t.cpuSeconds, 2)} | |
| process RSS after the rebuild (MB) | ${fmt(t.rssMb)} (the three starts: ${t.rssOfEachStartMb.map((m) => fmt(m)).join(', ')}) | < 300 |
| JS heap held by the schedule, live after a GC (MB) | ${fmt(t.heapMb)} | |
| JS heap committed after that GC (MB) | ${fmt(t.heapCommittedMb)} | |

The live heap is the same at every start; RSS differs by how much old space V8 keeps committed after the rebuild's garbage (on this machine 115 or 200–250 MB for the same 93 MB live, from one start to the next, even after a last-resort GC).

Targets: **${t.rebuildSeconds < 5 && t.rssMb < 300 ? 'met' : 'NOT met'}**.
`);
}

if (wanted('audit')) {
  const { benchAudit } = await import('./audit.bench.mjs');
  process.stderr.write('audit: 1,000,000 events...\n');
  const a = await benchAudit({ events: 1_000_000 });
  results.audit = a;
  sections.push(`## Audit

| what | measured | target |
|---|---:|---:|
| \`audit verify --all\` over ${fmt(a.verifiedEvents)} events in ${fmt(a.streams)} streams, SQLite, hash chains and daily anchors (events/s) | ${fmt(a.verifyEventsPerSec)} | ≥ 200,000 |
| replay of a ${fmt(a.replayEvents)}-event case, as \`GET /cases/:id/state\` does: its latest snapshot (of ${fmt(a.replaySnapshots)}, at position ${fmt(a.replayFromSnapshot)}) and the events after it (ms, median) | ${fmt(a.replayMs, 1)} | < 100 |
| the same replay folding every event from the first, no snapshot (ms, median) | ${fmt(a.replayFullMs, 1)} | |

Targets: verify **${a.verifyEventsPerSec >= 200_000 ? 'met' : 'NOT met'}**, replay **${a.replayMs < 100 ? 'met' : 'NOT met'}**.

Verification is one pass over the global order split across worker threads (2 here, one per core), each on its own connection. Stores keep an event's data and metadata as the canonical (RFC 8785) text the hash covers, so each event costs a row read, a string concatenation and one SHA-256; only text that does not hash right is parsed. The replay of a case of thousands of 补正 rounds reuses the machine's transitions within the fold (a loop revisits the same states) and grows its lists in place, so the fold is linear; snapshots (one per 1,000 events, kept as a read model and checked by \`audit verify <caseId>\`) bound the read to the last 1,000 events.
`);
}

const header = `# Benchmarks

Measured by \`npm run bench\` (tests/bench/run.mjs) in one run on one machine; rerun it to refresh this file.
Numbers are wall-clock throughput of the whole path, not micro-benchmarks.

Machine: ${machine()}.
Speed: ${speed}.
Date: ${new Date().toISOString().slice(0, 10)}.
`;

// Sections this run did not measure are kept from the previous file (the workbench
// first load is measured by tests/browser/firstload.spec.ts).
let previous = existsSync(args.out) ? readFileSync(args.out, 'utf8') : '';
const keep = previous
  .split(/^(?=## )/m)
  .filter((s) => s.startsWith('## ') && !sections.some((n) => n.split('\n')[0] === s.split('\n')[0]));
// In the order a full run writes them, whichever were measured this time.
const order = ['## Engine on SQLite', '## Engine over Kafka', '## Engine on PostgreSQL', '## Engine over HTTP', '## Flat as the store grows', '## After a restart', '## Durable timers', '## Audit', '## Workbench first load'];
const rank = (section) => {
  const i = order.findIndex((title) => section.startsWith(title));
  return i < 0 ? order.length : i; // notes and anything unlisted stay at the end
};
const body = [...sections, ...keep].sort((a, b) => rank(a) - rank(b));
writeFileSync(args.out, [header, ...body].map((s) => s.trimEnd() + '\n').join('\n'));
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`wrote ${args.out}\n`);
