import {
  MATTERS_STREAM,
  canonicalText,
  createCatalogue,
  matterRecordsAsOf,
  matterRecordsOf,
  prepareChained,
  retirementsOf,
  withCommitments,
  type Commitments,
  type EventStore,
  type MatterCatalogue,
  type MatterDefinition,
  type MatterRecord,
  type MatterRecordEvent,
} from '@onematter/engine';
import { BUILT_IN_MATTERS, checkMatterText, compileMatterText, defaultCatalogue, definitionJson, matterFileYaml, type MatterProblem } from '@onematter/workflows';

/** The built-in matters with those deployed into `store`, as they stand now. */
export async function storeMatters(store: EventStore): Promise<MatterBook> {
  const book = new MatterBook(store, { base: defaultCatalogue(), now: () => new Date() });
  await book.refresh();
  return book;
}

/** Who deployed a version (for the audit timeline), or undefined for a built-in one. */
export const deployedOf = (book: MatterBook) => (id: string, version: number) => {
  const info = book.versionInfo(id, version);
  return info.source === 'deployed' ? { by: info.deployedBy!, at: info.deployedAt! } : undefined;
};

/** Every version of every matter a catalogue holds. */
export function definitionsOf(catalogue: MatterCatalogue): MatterDefinition[] {
  return catalogue.list().flatMap((m) => catalogue.versions(m.id).map((v) => catalogue.get(m.id, v)!.definition));
}

export type DeployResult =
  | { ok: true; status: 'deployed' | 'unchanged'; id: string; version: number; name: string; deployedBy: string; deployedAt: string }
  | { ok: false; problems: MatterProblem[] };

/** A matter's versions as the workbench lists them: built in, or deployed by whom and when. */
export interface MatterVersionInfo {
  version: number;
  source: 'built-in' | 'deployed';
  deployedBy?: string;
  deployedAt?: string;
}

/**
 * The matter catalogue as the store records it (`$matters`, see the engine's
 * definition/deployments.ts): the built-in matters and every deployed version on top,
 * with the centre's commitments applied. `catalogue` is live: `refresh()` reads what
 * other processes deployed since, so a running server serves it within a poll.
 */
export class MatterBook {
  private records: MatterRecord[] = [];
  private head: { revision: number; hash: string } | undefined;
  private readonly compiled = new Map<number, MatterDefinition>();
  private current: MatterCatalogue;
  private retired = new Map<string, { by: string; at: string }>();

  /** The live catalogue: every call reads what the last refresh found. */
  readonly catalogue: MatterCatalogue;

  constructor(
    private readonly store: EventStore,
    private readonly o: {
      base: MatterCatalogue;
      commitments?: Commitments;
      now: () => Date;
      onProblem?: (message: string) => void;
      /** Told after every change of the catalogue (a deploy here, or one read from the store). */
      onChange?: () => void;
    },
  ) {
    this.current = this.build([]);
    this.catalogue = {
      get: (id, version) => this.current.get(id, version),
      list: () => this.current.list(),
      versions: (id) => this.current.versions(id),
      retired: (id) => this.retired.get(id),
    };
  }

  /** The catalogue as it stood at `asOf`: deploys and retirements after it not applied. */
  asOf(asOf: Date | string): MatterCatalogue {
    const records = matterRecordsAsOf(this.records, asOf);
    const cat = this.build(records);
    const retired = retirementsOf(records);
    return { ...cat, retired: (id) => retired.get(id) };
  }

  /** The records read so far, in order. */
  get recorded(): readonly MatterRecord[] {
    return this.records;
  }

  /** Where a version came from: built in, or who deployed it and when. */
  versionInfo(id: string, version: number): MatterVersionInfo {
    const r = this.records.find((x) => x.type === 'MatterDeployed' && x.data.id === id && x.data.version === version);
    return r ? { version, source: 'deployed', deployedBy: r.actor, deployedAt: r.recordedAt } : { version, source: 'built-in' };
  }

  /**
   * A version's matter file as YAML (the newest version when none is given): the deployed
   * file as recorded, or the built-in matter's own file. Undefined when there is none.
   */
  fileOf(id: string, version?: number): { version: number; text: string } | undefined {
    const v = version ?? this.current.get(id)?.definition.version;
    if (v === undefined || !this.current.get(id, v)) return undefined;
    const r = this.records.find((x) => x.type === 'MatterDeployed' && x.data.id === id && x.data.version === v);
    if (r?.type === 'MatterDeployed') return { version: v, text: matterFileYaml(r.data.source) };
    const builtIn = BUILT_IN_MATTERS.find((m) => m.definition.id === id && m.definition.version === v);
    return builtIn ? { version: v, text: matterFileYaml(builtIn.text) } : undefined;
  }

  /** Reads new records; true when the catalogue changed. */
  async refresh(): Promise<boolean> {
    const events = await this.store.readStream(MATTERS_STREAM, { fromPosition: (this.head?.revision ?? -1) + 1 });
    if (events.length === 0) return false;
    const last = events[events.length - 1]!;
    this.head = { revision: last.position, hash: last.hash };
    this.records = [...this.records, ...matterRecordsOf(events)];
    this.current = this.build(this.records);
    this.retired = retirementsOf(this.records);
    this.o.onChange?.();
    return true;
  }

  /**
   * Checks a matter file's text (YAML or JSON) and records it as the next version of its
   * matter; a file that says what the newest version already says records nothing (`unchanged`).
   */
  async deploy(source: string, actor: string): Promise<DeployResult> {
    const check = checkMatterText(source);
    if (!check.definition) return { ok: false, problems: check.problems };
    const def = check.definition;
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.refresh();
      const newest = this.current.get(def.id)?.definition;
      if (newest && !this.retired.has(def.id) && canonicalText(definitionJson(newest)) === canonicalText(definitionJson(def))) {
        const info = this.versionInfo(def.id, newest.version);
        return { ok: true, status: 'unchanged', id: def.id, version: newest.version, name: newest.name, deployedBy: info.deployedBy ?? 'built-in', deployedAt: info.deployedAt ?? '' };
      }
      const version = newest ? Math.max(...this.current.versions(def.id)) + 1 : 1;
      const at = this.o.now().toISOString();
      const r = await this.append({ type: 'MatterDeployed', data: { id: def.id, version, name: def.name, source, at } }, actor, at);
      if (r) return { ok: true, status: 'deployed', id: def.id, version, name: def.name, deployedBy: actor, deployedAt: at };
    }
    throw new Error('matters: gave up after repeated concurrent writes to $matters');
  }

  /** Retires a matter: no new cases from now; running ones go on. Undefined for an unknown matter. */
  async retire(id: string, actor: string): Promise<{ id: string; retiredBy: string; retiredAt: string; already: boolean } | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.refresh();
      if (!this.current.get(id)) return undefined;
      const was = this.retired.get(id);
      if (was) return { id, retiredBy: was.by, retiredAt: was.at, already: true };
      const at = this.o.now().toISOString();
      if (await this.append({ type: 'MatterRetired', data: { id, at } }, actor, at)) return { id, retiredBy: actor, retiredAt: at, already: false };
    }
    throw new Error('matters: gave up after repeated concurrent writes to $matters');
  }

  private async append(event: MatterRecordEvent, actor: string, at: string): Promise<boolean> {
    const prepared = prepareChained(MATTERS_STREAM, this.head, [event], actor, at);
    const r = await this.store.append({ streamId: MATTERS_STREAM, events: prepared, expectedRevision: this.head?.revision ?? -1 });
    if (!r.ok) return false;
    await this.refresh();
    return true;
  }

  private build(records: readonly MatterRecord[]): MatterCatalogue {
    const defs = definitionsOf(this.o.base);
    const builtIn = new Set(defs.map((d) => `${d.id}@${d.version}`));
    for (const r of records) {
      if (r.type !== 'MatterDeployed') continue;
      if (builtIn.has(`${r.data.id}@${r.data.version}`)) {
        this.o.onProblem?.(`$matters position ${r.position}: ${r.data.id} v${r.data.version} is also built in; the built-in one is served`);
        continue;
      }
      let def = this.compiled.get(r.position);
      if (!def) {
        try {
          def = compileMatterText(r.data.source, r.data.version);
        } catch (error) {
          // Checked when deployed; a later engine that reads it differently must not stop the server.
          this.o.onProblem?.(`$matters position ${r.position} (${r.data.id} v${r.data.version}) no longer compiles: ${(error as Error).message}`);
          continue;
        }
        this.compiled.set(r.position, def);
      }
      defs.push(def);
    }
    const catalogue = createCatalogue(defs);
    if (!this.o.commitments) return catalogue;
    try {
      return withCommitments(catalogue, this.o.commitments);
    } catch (error) {
      this.o.onProblem?.(`commitments no longer apply to the deployed matters: ${(error as Error).message}`);
      return catalogue;
    }
  }
}
