// Bytes allocated per case on the SQLite engine run, and where (V8's sampling heap
// profiler, counting objects the GC has already collected too). Allocation drives
// the garbage collector's share of the CPU; unlike cases/s it hardly moves when the
// machine is busy, so it is the measure to compare A and B on a shared machine:
//   node tests/bench/alloc.bench.mjs [--cases 1500] [--top 45] [--store sqlite|postgres] [--pg-url postgres://…]
// Runs on the built packages (dist). On PostgreSQL in a schema of its own, dropped after.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createRuntime } from '@onematter/api';
import { caughtUp, completions, pool, silentLog, startBody } from './engine.mjs';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1500' },
    top: { type: 'string', default: '45' },
    store: { type: 'string', default: 'sqlite' },
    'pg-url': { type: 'string', default: process.env.ONEMATTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const n = Number(values.cases);
const dataDir = mkdtempSync(join(tmpdir(), 'onematter-alloc-bench-'));
const pgUrl = values['pg-url'];
const pgSchema = `bench_alloc_${randomBytes(4).toString('hex')}`;
const storeConfig = values.store === 'postgres' ? { store: 'postgres', pgUrl, pgSchema } : { store: 'sqlite' };
const runtime = await createRuntime({ dataDir, ...storeConfig, bus: 'memory', simulateDepartments: true, simulation: { delayMs: [0, 0] } }, silentLog);
const { done } = await completions(runtime, n);
await caughtUp(runtime);

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
await pool(n, 400, async (i) => {
  const id = `bench-${i}`;
  const r = await runtime.handler.execute(id, (now) => ({ type: 'StartCase', data: { caseId: id, ...startBody() }, now }));
  if (!r.ok) throw new Error(r.error.message);
});
await done;
const { profile } = await session.post('HeapProfiler.stopSampling');
await runtime.close();
rmSync(dataDir, { recursive: true, force: true });
if (values.store === 'postgres') {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
  await admin.end();
}

const short = (url) => url.replace(/.*node_modules\//, 'nm/').replace(/.*\/packages\//, 'pk/');
const bySite = new Map();
const byFile = new Map();
let total = 0;
const walk = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const site = `${functionName || '(anonymous)'} ${short(url)}:${lineNumber + 1}`;
  const file = !url ? '(native)' : url.includes('node_modules/') ? `nm/${url.split('node_modules/').pop().split('/')[0]}` : short(url);
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  byFile.set(file, (byFile.get(file) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const c of node.children) walk(c);
};
walk(profile.head);
const kbPerCase = (bytes) => (bytes / 1024 / n).toFixed(1).padStart(7);
const top = Number(values.top);
const out = [`allocated per case: ${kbPerCase(total).trim()} KB (${n} cases)`, '', '   %   KB/case  where (self)'];
for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`${((100 * v) / total).toFixed(1).padStart(5)} ${kbPerCase(v)}  ${k}`);
out.push('', '   %   KB/case  file');
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25)) out.push(`${((100 * v) / total).toFixed(1).padStart(5)} ${kbPerCase(v)}  ${k}`);
process.stdout.write(out.join('\n') + '\n');
