// Fails CI if a suite that needs a real service (PostgreSQL, Kafka, Chromium) was
// skipped or missing, and prints the closing line CI reads: "N passed, N failed".
import { readFileSync } from 'node:fs';

const results = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const REQUIRED = [
  { name: 'PostgreSQL', match: /postgres/i },
  { name: 'Kafka', match: /tests\/kafka\// },
  { name: 'Chromium', match: /tests\/browser\// },
];
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const file of results.testResults) {
  for (const t of file.assertionResults) {
    if (t.status === 'passed') passed++;
    else if (t.status === 'failed') failed++;
    else skipped++;
  }
}
for (const r of REQUIRED) {
  const files = results.testResults.filter((f) => r.match.test(f.name));
  if (files.length === 0) {
    if (!r.optional) problems.push(`${r.name}: no test file ran`);
    continue;
  }
  const ran = files.flatMap((f) => f.assertionResults).filter((t) => t.status === 'passed' || t.status === 'failed').length;
  const skippedHere = files.flatMap((f) => f.assertionResults).filter((t) => t.status !== 'passed' && t.status !== 'failed');
  if (ran === 0 || skippedHere.length > 0) problems.push(`${r.name}: ${skippedHere.length} test(s) skipped, ${ran} ran`);
}
for (const p of problems) console.error(`required suite not run: ${p}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(problems.length > 0 || failed > 0 || !results.success ? 1 : 0);
