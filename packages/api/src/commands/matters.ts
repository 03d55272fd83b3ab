import { DEPARTMENT_NAMES, type DepartmentId } from '@onematter/engine';
import { defaultCatalogue, matterMermaid, matterOutline, statutoryText, stepCondition } from '@onematter/workflows';
import { InvalidArgumentError, type Command } from 'commander';
import type { CommandKit } from '../cli.js';
import { UsageError } from '../runtime.js';

const departmentName = (d: string) => DEPARTMENT_NAMES[d as DepartmentId] ?? d;

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a version is a whole number from 1');
  return n;
};

/**
 * `onematter matters`: the catalogue, each matter with its departments, stages and limits;
 * `onematter matters show <id> [--mermaid]`: one matter's step graph as text or Mermaid.
 */
export function registerMattersCommand(program: Command, _kit: CommandKit): void {
  const matters = program
    .command('matters')
    .description('the matter catalogue: departments, stages and time limits')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const list = defaultCatalogue().list();
      if (o.json) {
        const json = list.map((m) => ({
          id: m.id,
          version: m.version,
          name: m.name,
          departments: [...new Set(m.steps.map((s) => s.department))],
          stages: m.stages,
          statutoryDays: m.statutoryDays,
          committedDays: m.committedDays,
        }));
        process.stdout.write(JSON.stringify(json, null, 2) + '\n');
        return;
      }
      for (const m of list) {
        process.stdout.write(`${m.id} v${m.version}  ${m.name}  法定 ${statutoryText(m.statutoryDays)} / 承诺 ${m.committedDays} 个工作日\n`);
        const stages = m.stages.length ? m.stages : [undefined];
        stages.forEach((st, k) => {
          const indent = st ? '    ' : '  ';
          if (st) {
            const limits = st.statutoryDays !== undefined ? `  ${st.statutoryDays}/${st.committedDays ?? '—'}` : '';
            process.stdout.write(`  阶段 ${k + 1} ${st.name} · 牵头 ${departmentName(st.lead)}${limits}\n`);
          }
          for (const s of m.steps.filter((x) => !st || x.stage === st.id)) {
            const after = s.dependsOn.length ? `  (after ${s.dependsOn.join(', ')})` : '';
            const cond = stepCondition(m, s);
            process.stdout.write(`${indent}- ${s.id.padEnd(10)} ${departmentName(s.department)} · ${s.service}  ${statutoryText(s.statutoryDays)}/${s.committedDays}${after}${cond ? `  [仅当 ${cond}]` : ''}\n`);
          }
        });
      }
    });

  matters
    .command('show')
    .description('one matter\'s step graph: stages, parallel steps, conditions (or a Mermaid flowchart)')
    .argument('<id>', 'matter id, e.g. enterprise-setup')
    .option('--mermaid', 'print a Mermaid flowchart instead of text')
    .option('--version <n>', 'a given version (default: the newest)', positiveInt)
    .action((id: string, o: { mermaid?: boolean; version?: number }) => {
      const catalogue = defaultCatalogue();
      const m = catalogue.get(id, o.version);
      if (!m) {
        const known = catalogue.list().map((d) => d.id);
        const what = o.version && known.includes(id) ? `matter ${id} has no version ${o.version} (versions: ${catalogue.versions(id).join(', ')})` : `unknown matter "${id}"; use one of: ${known.join(', ')}`;
        throw new UsageError(what);
      }
      process.stdout.write(o.mermaid ? matterMermaid(m.definition) : matterOutline(m.definition));
    });
}
