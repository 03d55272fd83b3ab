import { compileMatter, type CompiledMatter } from '../machine/compile.js';
import type { MatterDefinition } from './definition.js';

/**
 * The matter catalogue keeps every version: a running case replays and goes on
 * under the version it started with; a new case takes the newest.
 */
export interface MatterCatalogue {
  /** The given version, or the newest when `version` is omitted. */
  get(id: string, version?: number): CompiledMatter | undefined;
  /** The newest version of each matter. */
  list(): MatterDefinition[];
  versions(id: string): number[];
  /**
   * Whether the matter is retired (停办): no new case starts; running ones go on under
   * their version. Absent: nothing is retired (a catalogue built from code).
   */
  retired?(id: string): MatterRetirement | undefined;
}

/** A matter's retirement as recorded (`MatterRetired` in `$matters`). */
export interface MatterRetirement {
  by: string;
  at: string;
}

export function createCatalogue(definitions: readonly MatterDefinition[]): MatterCatalogue {
  const byId = new Map<string, Map<number, CompiledMatter>>();
  for (const def of definitions) {
    const versions = byId.get(def.id) ?? new Map<number, CompiledMatter>();
    if (versions.has(def.version)) throw new Error(`matter ${def.id} version ${def.version} is declared twice`);
    versions.set(def.version, compileMatter(def));
    byId.set(def.id, versions);
  }
  const newest = (id: string) => {
    const versions = byId.get(id);
    if (!versions) return undefined;
    return versions.get(Math.max(...versions.keys()));
  };
  return {
    get: (id, version) => (version === undefined ? newest(id) : byId.get(id)?.get(version)),
    list: () => [...byId.keys()].map((id) => newest(id)!.definition),
    versions: (id) => [...(byId.get(id)?.keys() ?? [])].sort((a, b) => a - b),
  };
}
