import { MemoryEventStore } from '@onematter/adapters';
import { DEPARTMENT_NAMES, type DepartmentId, type MatterCatalogue } from '@onematter/engine';
import { checkMatterText, defaultCatalogue, diffLines, matterDiff, matterMermaid, matterOutline, problemLines, statutoryText, stepCondition } from '@onematter/workflows';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandKit } from '../cli.js';
import { MatterBook } from '../matters/book.js';
import { CheckFailed, UsageError, systemClock } from '../runtime.js';
import { deploymentTime } from './audit.js';
import { storeFlagGiven, withStore, type StoreFlags } from './keys.js';

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
export function registerMattersCommand(program: Command, kit: CommandKit): void {
  const matters = kit.storeOptions(
    program
      .command('matters')
      .description('the matter catalogue: departments, stages and time limits (the built-in matters and those deployed into the store)')
      .option('--json', 'print JSON')
      // Its store flags come before a subcommand; after one (deploy, diff, …) they are the subcommand's.
      .enablePositionalOptions(),
  ).action(async (o: StoreFlags & { json?: boolean }, cmd: Command) => {
      const catalogue = await storeCatalogue(o, cmd);
      const list = catalogue.list();
      const retired = (id: string) => catalogue.retired?.(id);
      if (o.json) {
        const json = list.map((m) => ({
          id: m.id,
          version: m.version,
          name: m.name,
          retired: retired(m.id) ?? null,
          departments: [...new Set(m.steps.map((s) => s.department))],
          stages: m.stages,
          statutoryDays: m.statutoryDays,
          committedDays: m.committedDays,
        }));
        process.stdout.write(JSON.stringify(json, null, 2) + '\n');
        return;
      }
      for (const m of list) {
        const r = retired(m.id);
        process.stdout.write(`${m.id} v${m.version}  ${m.name}  法定 ${statutoryText(m.statutoryDays)} / 承诺 ${m.committedDays} 个工作日${r ? `  [已停办 retired ${r.at} by ${r.by}]` : ''}\n`);
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

  kit
    .storeOptions(
      matters
        .command('show')
        .description('one matter\'s step graph: stages, parallel steps, conditions (or a Mermaid flowchart)')
        .argument('<id>', 'matter id, e.g. enterprise-setup')
        .option('--mermaid', 'print a Mermaid flowchart instead of text')
        .option('--version <n>', 'a given version (default: the newest)', positiveInt)
        .option('--as-of <time>', 'the catalogue as it stood at this moment (deploys after it not applied), e.g. 2026-11-20T10:00:00+08:00'),
    )
    .action(async (id: string, o: StoreFlags & { mermaid?: boolean; version?: number; asOf?: string }, cmd: Command) => {
      const catalogue = await storeCatalogue(o, cmd, o.asOf === undefined ? undefined : deploymentTime(o.asOf));
      const m = matterOf(catalogue, id, o.version);
      process.stdout.write(o.mermaid ? matterMermaid(m.definition) : matterOutline(m.definition));
    });

  matters
    .command('validate')
    .description('check a matter file (YAML or JSON) before deploying it: every problem, with its line and path, in Chinese and English')
    .argument('<file>', 'the matter file, e.g. food-stall.yaml (format: docs/authoring.md)')
    .option('--json', 'print the problems as JSON')
    .action((file: string, o: { json?: boolean }) => {
      const r = checkMatterText(readMatterFile(file));
      if (o.json) process.stdout.write(JSON.stringify({ ok: r.problems.length === 0, id: r.definition?.id ?? null, problems: r.problems }, null, 2) + '\n');
      if (r.problems.length > 0) {
        if (!o.json) process.stdout.write(problemLines(r.problems, file).join('\n') + '\n');
        throw new CheckFailed(`${file}: ${r.problems.length} 个问题 (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}); nothing deployed`);
      }
      const d = r.definition!;
      if (!o.json) process.stdout.write(`${file}: 校验通过 (valid): ${d.id} ${d.name}, ${d.steps.length} steps, ${d.materials.length} materials\n`);
    });

  kit
    .storeOptions(
      matters
        .command('deploy')
        .description('check a matter file and record it in the store ($matters) as the next version of its matter; running servers serve it within seconds')
        .argument('<file>', 'the matter file (YAML or JSON)')
        .addOption(new Option('--by <name>', 'who deploys it, recorded with the version (default: cli:<your user name>)')),
    )
    .action(async (file: string, o: StoreFlags & { by?: string }) => {
      const text = readMatterFile(file);
      const check = checkMatterText(text);
      if (check.problems.length > 0) {
        process.stdout.write(problemLines(check.problems, file).join('\n') + '\n');
        throw new CheckFailed(`${file}: ${check.problems.length} 个问题 (problems); nothing deployed`);
      }
      const r = await withStore(o, async (store) => {
        const book = new MatterBook(store, { base: defaultCatalogue(), now: () => systemClock.now() });
        return book.deploy(text, actor(o.by));
      });
      if (!r.ok) {
        process.stdout.write(problemLines(r.problems, file).join('\n') + '\n');
        throw new CheckFailed(`${file}: nothing deployed`);
      }
      process.stdout.write(
        r.status === 'unchanged'
          ? `${r.id} v${r.version} ${r.name}: unchanged (与当前版本相同), nothing recorded\n`
          : `deployed ${r.id} v${r.version} ${r.name} (已部署) by ${r.deployedBy} at ${r.deployedAt}; new cases take v${r.version}, running cases keep theirs\n`,
      );
    });

  kit
    .storeOptions(
      matters
        .command('retire')
        .description('retire a matter (停办): no new cases from now; running cases go on under their version')
        .argument('<id>', 'matter id')
        .addOption(new Option('--by <name>', 'who retires it (default: cli:<your user name>)')),
    )
    .action(async (id: string, o: StoreFlags & { by?: string }) => {
      const r = await withStore(o, async (store) => {
        const book = new MatterBook(store, { base: defaultCatalogue(), now: () => systemClock.now() });
        return book.retire(id, actor(o.by));
      });
      if (!r) throw new UsageError(`unknown matter "${id}"; see them with: onematter matters`);
      process.stdout.write(r.already ? `${id} was already retired by ${r.retiredBy} at ${r.retiredAt}\n` : `retired ${id} (已停办) by ${r.retiredBy} at ${r.retiredAt}: no new cases; running cases go on\n`);
    });

  kit
    .storeOptions(
      matters
        .command('export')
        .description('print a matter (built in or deployed) as a matter file in YAML, which validates and deploys as it is (docs/authoring.md)')
        .argument('<id>', 'matter id')
        .option('--version <n>', 'a given version (default: the newest)', positiveInt),
    )
    .action(async (id: string, o: StoreFlags & { version?: number }, cmd: Command) => {
      const file = await withBook(o, cmd, (book) => {
        const f = book.fileOf(id, o.version);
        if (!f) matterOf(book.catalogue, id, o.version); // names the known matters or versions
        return f;
      });
      if (!file) throw new UsageError(`matter ${id}${o.version ? ` v${o.version}` : ''} has no file to export`);
      process.stdout.write(file.text);
    });

  kit
    .storeOptions(
      matters
        .command('diff')
        .description('what changed between two versions of a matter: + added, - removed, ~ changed')
        .argument('<id>', 'matter id')
        .argument('<v1>', 'the earlier version', positiveInt)
        .argument('<v2>', 'the later version', positiveInt)
        .option('--json', 'print the changes as JSON'),
    )
    .action(async (id: string, v1: number, v2: number, o: StoreFlags & { json?: boolean }, cmd: Command) => {
      const catalogue = await storeCatalogue(o, cmd);
      const a = matterOf(catalogue, id, v1).definition;
      const b = matterOf(catalogue, id, v2).definition;
      const changes = matterDiff(a, b);
      if (o.json) {
        process.stdout.write(JSON.stringify(changes, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${id} v${v1} → v${v2}: ${changes.length === 0 ? 'no change' : `${changes.length} change${changes.length === 1 ? '' : 's'}`}\n`);
      if (changes.length) process.stdout.write(diffLines(changes).join('\n') + '\n');
    });
}

const actor = (by?: string) => by?.trim() || `cli:${userInfo().username}`;

function readMatterFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function matterOf(catalogue: MatterCatalogue, id: string, version?: number) {
  const m = catalogue.get(id, version);
  if (m) return m;
  const known = catalogue.list().map((d) => d.id);
  throw new UsageError(version && known.includes(id) ? `matter ${id} has no version ${version} (versions: ${catalogue.versions(id).join(', ')})` : `unknown matter "${id}"; use one of: ${known.join(', ')}`);
}

/**
 * The built-in matters, with those deployed into the store when there is one (an embedded
 * SQLite store that does not exist yet is not created just to be read).
 */
async function storeCatalogue(o: StoreFlags, cmd: Command, asOf?: string): Promise<MatterCatalogue> {
  return withBook(o, cmd, (book) => (asOf === undefined ? book.catalogue : book.asOf(asOf)));
}

/** Runs `f` on the matter book of the store given (or of the built-in matters alone). */
async function withBook<T>(o: StoreFlags, cmd: Command, f: (book: MatterBook) => T): Promise<T> {
  const given = storeFlagGiven(cmd);
  const useStore = o.store === 'sqlite' ? existsSync(join(resolve(o.dataDir), 'onematter.db')) : given && o.store !== 'memory';
  if (!useStore) return f(new MatterBook(new MemoryEventStore(), { base: defaultCatalogue(), now: () => systemClock.now() }));
  return withStore(o, async (store) => {
    const book = new MatterBook(store, { base: defaultCatalogue(), now: () => systemClock.now() });
    await book.refresh();
    return f(book);
  });
}
