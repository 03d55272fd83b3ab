// Audit rows of the benchmark: imported by the bench harness (tests/bench/run.mjs),
// or run on its own: node tests/bench/audit.bench.mjs [--events 1000000] [--workers N]
// Runs on the built packages (dist).
//
// (a) `audit verify --all` over a SQLite store of `events` events (enterprise-setup
//     cases of 16 events, recorded over four days, three of them anchored), through
//     verifyAll: the same code, worker threads and stitching as the CLI.
// (b) replay of one case of 10,000 events (read the stream, fold it with the live
//     engine's fold, as GET /cases/:id/state and `audit replay` do).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore, MemoryEventStore } from '@onematter/adapters';
import { verifyAll } from '@onematter/api';
import { CaseSnapshots, CommandHandler, DEFAULT_TOPICS, eventHash, genesisHash, recordDailyAnchor, replayCase, replayFromStore, anchorCutoff } from '@onematter/engine';
import { defaultCatalogue, enterpriseSetupV1 } from '@onematter/workflows';
import { medianBy } from './median.mjs';

const DAY_MS = 86_400_000;
const FIRST_DAY = '2026-03-02';

/** A clock the bench moves by hand. */
const manualClock = (start) => {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
};

/** The events of one real case, decided through the engine: a template to copy. */
async function templateCase(catalogue) {
  const store = new MemoryEventStore();
  const clock = manualClock('2026-03-02T01:00:00.000Z');
  const handler = new CommandHandler({ store, catalogue, clock, topics: DEFAULT_TOPICS });
  const id = 'TEMPLATE-CASE';
  const start = await handler.execute(id, (now) => ({ type: 'StartCase', data: { caseId: id, matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example }, now }), 'clerk');
  if (!start.ok) throw new Error(start.error.message);
  for (const step of enterpriseSetupV1.steps) {
    clock.advance(60_000);
    const r = await handler.execute(id, (now) => ({ type: 'RecordDecision', data: { taskId: `${id}.${step.id}`, decisionId: `d-${step.id}`, decision: 'approved', output: step.outputExample ?? {} }, now }), `department:${step.department}`);
    if (!r.ok) throw new Error(r.error.message);
  }
  const events = await store.readStream(id);
  return { id, events: events.map((e) => ({ type: e.type, text: JSON.stringify(e.data), metadata: e.metadata, offsetMs: Date.parse(e.recordedAt) - Date.parse(events[0].recordedAt) })) };
}

/** Writes `total` events as cases copied from the template, hash-chained, in big group-committed batches. */
async function fillStore(store, template, total, days) {
  const perCase = template.events.length;
  const cases = Math.ceil(total / perCase);
  const perDay = Math.ceil(cases / days);
  const stepMs = Math.floor((DAY_MS - 3_600_000) / perDay);
  let written = 0;
  let pending = [];
  for (let i = 0; i < cases && written < total; i++) {
    const streamId = `bench-audit-${String(i).padStart(7, '0')}`;
    const day = Math.floor(i / perDay);
    const base = Date.parse(`${FIRST_DAY}T00:00:00+08:00`) + day * DAY_MS + 60_000 + (i % perDay) * stepMs;
    let prevHash = genesisHash(streamId);
    const n = Math.min(perCase, total - written);
    const events = [];
    for (let p = 0; p < n; p++) {
      const t = template.events[p];
      const data = JSON.parse(t.text.replaceAll(template.id, streamId));
      const recordedAt = new Date(base + Math.min(t.offsetMs, stepMs - 1)).toISOString();
      const hash = eventHash({ streamId, position: p, type: t.type, data, metadata: t.metadata, recordedAt, prevHash });
      events.push({ position: p, type: t.type, data, metadata: t.metadata, recordedAt, prevHash, hash });
      prevHash = hash;
    }
    written += n;
    pending.push(store.append({ streamId, events, expectedRevision: -1 }));
    if (pending.length === 2000) {
      for (const r of await Promise.all(pending)) if (!r.ok) throw new Error('bench append conflicted');
      pending = [];
    }
  }
  for (const r of await Promise.all(pending)) if (!r.ok) throw new Error('bench append conflicted');
  return written;
}

/** One case of about `size` events: 2,500 rounds of 补正 on one task (4 events each). */
async function longCase(catalogue, size) {
  const store = new MemoryEventStore();
  const clock = manualClock('2026-03-02T01:00:00.000Z');
  // The engine keeps a case snapshot every 1,000 events, as `serve` does.
  const snapshots = new CaseSnapshots(store.readModels);
  const handler = new CommandHandler({ store, catalogue, clock, topics: DEFAULT_TOPICS, snapshots });
  const id = 'bench-long-case';
  const must = (r) => {
    if (!r.ok) throw new Error(r.error.message);
  };
  must(await handler.execute(id, (now) => ({ type: 'StartCase', data: { caseId: id, matter: 'enterprise-setup', applicant: enterpriseSetupV1.exampleApplicant, form: enterpriseSetupV1.example }, now }), 'clerk'));
  // CaseStarted, CaseAccepted and the first TaskDispatched, then 4 events a round.
  for (let round = 0; round < Math.ceil((size - 3) / 4); round++) {
    clock.advance(1000);
    must(await handler.execute(id, (now) => ({ type: 'RecordDecision', data: { taskId: `${id}.samr`, decisionId: `s-${round}`, decision: 'supplement-required', missingMaterials: ['articles-of-association'] }, now }), 'department:samr'));
    clock.advance(1000);
    must(await handler.execute(id, (now) => ({ type: 'ProvideSupplement', data: { materials: ['articles-of-association'] }, now }), 'clerk'));
  }
  return { id, events: await store.readStream(id), snapshots: await snapshots.all(id) };
}

/** Fills a SQLite store in `dataDir` with `events` events over `days` days and anchors all days but the last. */
export async function prepareAuditStore({ dataDir, events, days = 4 }) {
  const catalogue = defaultCatalogue();
  const store = await openStore({ kind: 'sqlite', dataDir });
  try {
    const template = await templateCase(catalogue);
    let t0 = performance.now();
    const written = await fillStore(store, template, events, days);
    const fillSeconds = (performance.now() - t0) / 1000;
    // Anchor every day but the last: the anchors are checked by verify --all too.
    t0 = performance.now();
    for (let d = 0; d < days - 1; d++) {
      const day = new Date(Date.parse(`${FIRST_DAY}T00:00:00Z`) + d * DAY_MS).toISOString().slice(0, 10);
      const r = await recordDailyAnchor(store, { day, now: new Date(Date.parse(anchorCutoff(day)) + 3_600_000) });
      if (r.kind !== 'recorded') throw new Error(`anchor ${day}: ${r.kind}`);
    }
    return { written, fillSeconds, anchorSeconds: (performance.now() - t0) / 1000 };
  } finally {
    await store.close();
  }
}

export async function benchAudit({ events = 1_000_000, days = 4, workers, replayEvents = 10_000 } = {}) {
  const catalogue = defaultCatalogue();
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-bench-audit-'));
  const config = { kind: 'sqlite', dataDir };
  let store;
  try {
    const { written, fillSeconds, anchorSeconds } = await prepareAuditStore({ dataDir, events, days });
    // A fresh connection, as the CLI has.
    store = await openStore(config);
    const verified = await verifyAll({ store, storeConfig: config, ...(workers !== undefined ? { workers } : {}) });
    if (verified.problems.length > 0) throw new Error(`verify --all found problems in an untouched store: ${JSON.stringify(verified.problems.slice(0, 3))}`);

    const long = await longCase(catalogue, replayEvents);
    const r = await store.append({ streamId: long.id, events: long.events.map(({ streamId: _s, globalPosition: _g, ...e }) => e), expectedRevision: -1 });
    if (!r.ok) throw new Error('long case append conflicted');
    // The snapshots the engine took while the case grew, into the SQLite store's read models.
    const kept = new CaseSnapshots(store.readModels);
    for (const doc of long.snapshots) await kept.keep(doc);
    if ((await kept.all(long.id)).length !== long.snapshots.length) throw new Error('snapshots not kept');
    await store.close();
    // A fresh connection again: nothing of the case is cached.
    store = await openStore(config);
    const snapshots = new CaseSnapshots(store.readModels);
    const runs = [];
    const fullRuns = [];
    let folded;
    for (let i = 0; i < 7; i++) {
      // As GET /cases/:id/state and `audit replay`: from the latest snapshot, then the events after it.
      let s = performance.now();
      const replayed = await replayFromStore({ store, catalogue, snapshots }, long.id);
      runs.push(performance.now() - s);
      if (!replayed.ok) throw new Error(replayed.error.message);
      // And every event from the first, without snapshots.
      s = performance.now();
      const stream = await store.readStream(long.id);
      const full = replayCase(catalogue, stream);
      fullRuns.push(performance.now() - s);
      if (!full.ok) throw new Error(full.error.message);
      if (full.value.revision !== replayed.value.state.revision) throw new Error('replays disagree');
      folded = { events: stream.length, revision: full.value.revision, fromSnapshot: replayed.value.fromSnapshot };
    }
    return {
      events: written,
      verifiedEvents: verified.events,
      streams: verified.streams,
      anchors: verified.anchors,
      anchorsMatched: verified.anchorsMatched,
      verifySeconds: verified.seconds,
      verifyEventsPerSec: verified.events / verified.seconds,
      fillSeconds,
      anchorSeconds,
      replayEvents: folded.events,
      replayMs: medianBy(runs),
      replayMsBest: Math.min(...runs),
      replayFromSnapshot: folded.fromSnapshot,
      replaySnapshots: long.snapshots.length,
      replayFullMs: medianBy(fullRuns),
    };
  } finally {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, workers: { type: 'string' } } });
  const r = await benchAudit({ events: Number(values.events), ...(values.workers !== undefined ? { workers: Number(values.workers) } : {}) });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
