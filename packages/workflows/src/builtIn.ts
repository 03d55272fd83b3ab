/**
 * The built-in matters are matter files (packages/workflows/matters/**\/*.yaml), read and
 * checked through the same path as a deployed file (authoring/load.ts): one format, one
 * loader. The build checks them and keeps them as JSON beside the code (dist/matters.json:
 * reading YAML is slow, JSON is not); from the sources (tests) the YAML files are read. A
 * file that does not check stops the build or the start with every problem and its line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MatterDefinition } from '@onematter/engine';
import { checkMatterFile, checkMatterText, problemLines, type MatterCheck } from './authoring/load.js';

/** packages/workflows/matters, from src/ (tests) and from dist/ alike. */
export const BUILT_IN_MATTERS_DIR = fileURLToPath(new URL('../matters/', import.meta.url));

/** Every `*.yaml` under the folder, at any depth, in a stable order. */
export function matterFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...matterFilesUnder(path));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

export interface BuiltInMatter {
  /** The file, relative to the matters folder (e.g. `national/…yaml`). */
  file: string;
  text: string;
  /** The file as plain JSON. */
  value: Record<string, unknown>;
  definition: MatterDefinition;
}

/** Where the build keeps the checked files: packages/workflows/dist/matters.json. */
export const BUILT_IN_MATTERS_JSON = fileURLToPath(new URL('../dist/matters.json', import.meta.url));

const modified = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * The built-in matters: from the build's JSON when it is there and no file is newer (from the
 * built code and from the sources alike), else from the YAML files themselves.
 */
export function loadBuiltInMatters(): BuiltInMatter[] {
  const built = modified(BUILT_IN_MATTERS_JSON);
  const files = matterFilesUnder(BUILT_IN_MATTERS_DIR);
  if (built === undefined || files.some((f) => (modified(f) ?? Infinity) > built)) return loadMatterFiles();
  const bundled = JSON.parse(readFileSync(BUILT_IN_MATTERS_JSON, 'utf8')) as { file: string; text: string; value: Record<string, unknown> }[];
  const names = new Set(files.map((f) => relative(BUILT_IN_MATTERS_DIR, f)));
  if (bundled.length !== names.size || bundled.some((b) => !names.has(b.file))) return loadMatterFiles();
  return collect(bundled.map((b) => ({ ...b, check: checkMatterFile(b.value) })));
}

/** Reads and checks every matter file under `dir`; throws listing every problem of every file. */
export function loadMatterFiles(dir: string = BUILT_IN_MATTERS_DIR): BuiltInMatter[] {
  return collect(
    matterFilesUnder(dir).map((path) => {
      const text = readFileSync(path, 'utf8');
      return { file: relative(dir, path), text, check: checkMatterText(text) };
    }),
  );
}

function collect(checked: { file: string; text: string; check: MatterCheck }[]): BuiltInMatter[] {
  const loaded: BuiltInMatter[] = [];
  const problems: string[] = [];
  for (const { file, text, check } of checked) {
    if (check.definition && check.file) loaded.push({ file, text, value: check.file, definition: check.definition });
    else problems.push(...problemLines(check.problems, file));
  }
  const seen = new Set<string>();
  for (const m of loaded) {
    const key = `${m.definition.id} v${m.definition.version}`;
    if (seen.has(key)) problems.push(`${m.file}: ${key} 重复定义 / defined twice`);
    seen.add(key);
  }
  if (problems.length > 0) throw new Error(`built-in matter files do not check:\n  ${problems.join('\n  ')}`);
  return loaded;
}
