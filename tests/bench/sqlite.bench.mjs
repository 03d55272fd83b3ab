// The SQLite engine run alone (no floor, no docs written), for profiling and A/B runs:
//   node --expose-gc [--cpu-prof] tests/bench/sqlite.bench.mjs [--cases 3000] [--repeat 1]
// Runs on the built packages (dist). `npm run bench` runs the same engine run (engine.mjs)
// with its floor and writes docs/benchmarks.md.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { engineRun } from './engine.mjs';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { cases: { type: 'string', default: '3000' }, repeat: { type: 'string', default: '1' } } });
  for (let i = 0; i < Number(values.repeat); i++) {
    const r = await engineRun({ store: 'sqlite', bus: 'memory' }, Number(values.cases));
    process.stdout.write(JSON.stringify(r) + '\n');
    global.gc?.();
  }
}
