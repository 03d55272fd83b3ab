// Summarises a `node --cpu-prof` profile: self time by function and by file or package.
//   node tests/bench/profileSummary.mjs <file.cpuprofile> [--top 45]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '45' } } });
if (positionals.length !== 1) {
  process.stderr.write('usage: node tests/bench/profileSummary.mjs <file.cpuprofile> [--top 45]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfByNode = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfByNode.set(id, (selfByNode.get(id) ?? 0) + dt);
  total += dt;
});
const short = (url) => url.replace(/.*node_modules\//, 'nm/').replace(/.*\/packages\//, 'pk/');
const group = (url, name) => {
  if (!url) return name;
  if (url.includes('node_modules/')) {
    const parts = url.split('node_modules/').pop().split('/');
    return `nm/${parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]}`;
  }
  return short(url);
};
const bySite = new Map();
const byFile = new Map();
for (const [id, t] of selfByNode) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  const site = `${functionName || '(anonymous)'} ${short(url)}:${lineNumber + 1}`;
  bySite.set(site, (bySite.get(site) ?? 0) + t);
  const g = group(url, functionName);
  byFile.set(g, (byFile.get(g) ?? 0) + t);
}
const pct = (t) => ((100 * t) / total).toFixed(1).padStart(5);
const top = Number(values.top);
const out = ['   %  function (self time)'];
for (const [k, t] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`${pct(t)}  ${k}`);
out.push('', '   %  file or package');
for (const [k, t] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 30)) out.push(`${pct(t)}  ${k}`);
process.stdout.write(out.join('\n') + '\n');
