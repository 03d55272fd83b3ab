// "100,000 open cases after a restart": imported by the bench harness (tests/bench/run.mjs),
// or run on its own: node --expose-gc tests/bench/restart.bench.mjs [--cases 100000]
// Runs on the built packages (dist).
//
// Fills a SQLite store with `cases` open enterprise-setup cases (the events StartCase
// decides, hash-chained, written through the store's raw append path, timers armed), then
// starts the server's runtime on it in a fresh Node process, twice:
//  - first start: nothing derived yet; the case list and work queues (kept in the store),
//    the time limits and the durable-timer schedule (in memory) and the event feed are all
//    built from the log;
//  - restart: the same process start again, as after a stop: the read models and the
//    feed's checkpoint are where the first start left them, the time limits and the schedule
//    are rebuilt from the log (they live in memory).
// Each start runs what `onematter serve` runs (createRuntime: store, follower, projections,
// scheduler, relay, event feed with one listener) and is timed until every follower has
// reached the head; RSS is the process's after that (and after a GC).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ManualClock } from '@onematter/adapters';
import { createRuntime } from '@onematter/api';
import { defaultCatalogue } from '@onematter/workflows';
import { caughtUp, silentLog } from './engine.mjs';
import { fill, NOW } from './timers.bench.mjs';

const mb = (bytes) => bytes / 2 ** 20;

/** One server start in this process, on `dataDir`; prints what it took. */
async function startHere(dataDir) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const runtime = await createRuntime({ dataDir, store: 'sqlite', bus: 'memory', clock: new ManualClock(NOW) }, silentLog);
  // A listener on the events topic, so the feed publishes (as it does to Kafka).
  await runtime.bus.subscribe(runtime.topics.events, async () => {}, { group: 'restart-bench' });
  await caughtUp(runtime);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  global.gc?.();
  const m = process.memoryUsage();
  const scheduler = runtime.timeLimits.scheduler?.status();
  const open = (await runtime.caseList.countByStatus())['in-progress'];
  await runtime.close();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssMb: mb(m.rss), heapMb: mb(m.heapUsed), open, armed: scheduler?.rebuild?.armed };
}

export async function benchRestart({ cases = 100_000 } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'onematter-bench-restart-'));
  try {
    const filled = await fill(join(dataDir, 'onematter.db'), cases, defaultCatalogue());
    const start = async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--start', dataDir], { maxBuffer: 1 << 20 });
      return JSON.parse(stdout);
    };
    const first = await start();
    const restart = await start();
    return { cases, events: filled.events, fillSeconds: filled.seconds, first, restart };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { cases: { type: 'string', default: '100000' }, start: { type: 'string' } } });
  const r = values.start ? await startHere(values.start) : await benchRestart({ cases: Number(values.cases) });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
