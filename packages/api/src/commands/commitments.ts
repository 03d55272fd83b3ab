import { CommitmentsSchema, commitmentProblems, type Commitments } from '@onematter/engine';
import { defaultCatalogue } from '@onematter/workflows';
import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError, type RuntimeConfig } from '../runtime.js';

/**
 * `--commitments <file>` (ONEMATTER_COMMITMENTS): a service centre's own 承诺时限,
 * per matter and step, e.g. `{ "enterprise-setup": { "committedDays": 1, "steps": { "samr": 1 } } }`.
 * A file that cannot be read, is not that shape, names an unknown matter or step, or
 * promises more than the law allows is bad usage (exit 2), with every problem listed.
 */
export const addCommitmentsOption = (cmd: Command): Command =>
  cmd.addOption(
    new Option('--commitments <json>', '承诺时限 of this service centre, per matter and step: { "<matter>": { "committedDays": n, "steps": { "<step>": n } } }').env('ONEMATTER_COMMITMENTS'),
  );

export function loadCommitments(file: string): Commitments {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--commitments ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--commitments ${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = CommitmentsSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new UsageError(`--commitments ${file}: expected { "<matter>": { "committedDays": n, "steps": { "<step>": n } } }:\n  ${lines.join('\n  ')}`);
  }
  const problems = commitmentProblems(defaultCatalogue(), parsed.data);
  if (problems.length > 0) throw new UsageError(`--commitments ${file}:\n  ${problems.join('\n  ')}`);
  return parsed.data;
}

export const commitmentsConfigFrom = (f: { commitments?: string }): Partial<RuntimeConfig> =>
  f.commitments ? { commitments: loadCommitments(f.commitments) } : {};
