/**
 * The built-in matters are matter files (packages/workflows/matters/**\/*.yaml), read and
 * checked at start through the same path as a deployed file (authoring/load.ts): one format,
 * one loader. A file that does not check stops the start with every problem and its line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MatterDefinition } from '@onematter/engine';
import { checkMatterText, problemLines } from './authoring/load.js';

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
  definition: MatterDefinition;
}

/** Reads and checks every matter file under `dir`; throws listing every problem of every file. */
export function loadMatterFiles(dir: string = BUILT_IN_MATTERS_DIR): BuiltInMatter[] {
  const loaded: BuiltInMatter[] = [];
  const problems: string[] = [];
  for (const path of matterFilesUnder(dir)) {
    const file = relative(dir, path);
    const text = readFileSync(path, 'utf8');
    const r = checkMatterText(text);
    if (r.definition) loaded.push({ file, text, definition: r.definition });
    else problems.push(...problemLines(r.problems, file));
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
