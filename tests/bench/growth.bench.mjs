// "Flat as the store grows": imported by the bench harness (tests/bench/run.mjs), or run
// on its own: node --expose-gc tests/bench/growth.bench.mjs [--cases 3000] [--events 1000000]
// Runs on the built packages (dist).
//
// The SQLite engine run (engine.mjs) in one process, in rounds: on an empty store, then on a
// store that already holds `events` events (completed enterprise-setup cases, hash-chained,
// written through the store's raw append path, not the engine). The runtime on the full
// store first brings every follower (case list, work queues, time limits, event feed) to the
// head, as a server that has been running would be; then the same cases are timed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prepareAuditStore } from './audit.bench.mjs';
import { engineRun } from './engine.mjs';
import { medianBy } from './median.mjs';

export async function benchGrowth({ cases = 3000, events = 1_000_000, rounds = 3 } = {}) {
  const config = { store: 'sqlite', bus: 'memory' };
  const say = (m) => process.stderr.write(`growth: ${m}\n`);
  say('warm-up (JIT), not counted...');
  await engineRun(config, Math.min(500, cases));
  global.gc?.();
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-bench-growth-'));
  try {
    // One day: no anchors to compute, only the events.
    say(`writing ${events} events...`);
    const { written, fillSeconds } = await prepareAuditStore({ dataDir, events, days: 1 });
    // Rounds alternate an empty store and the full one, so a run-to-run swing of the machine
    // (±10% here) falls on both sides; the medians are compared. Each run on the full store is
    // a new process start on it: its followers resume from their checkpoints.
    const emptyRuns = [];
    const fullRuns = [];
    let firstStartSeconds = 0;
    for (let round = 1; round <= rounds; round++) {
      say(`round ${round} of ${rounds}: ${cases} cases on an empty store...`);
      emptyRuns.push(await engineRun(config, cases));
      global.gc?.();
      say(`round ${round} of ${rounds}: ${cases} cases on the full store...`);
      const t0 = performance.now();
      const full = await engineRun(config, cases, { dataDir, prefix: `grown-${round}` });
      if (round === 1) firstStartSeconds = (performance.now() - t0) / 1000 - full.seconds;
      fullRuns.push(full);
      global.gc?.();
    }
    const empty = medianBy(emptyRuns, (r) => r.casesPerSec);
    const full = medianBy(fullRuns, (r) => r.casesPerSec);
    return { cases, rounds, seeded: written, fillSeconds, empty, full, emptyRuns, fullRuns, ratio: full.casesPerSec / empty.casesPerSec, firstStartSeconds };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { cases: { type: 'string', default: '3000' }, events: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '3' } } });
  const r = await benchGrowth({ cases: Number(values.cases), events: Number(values.events), rounds: Number(values.rounds) });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
