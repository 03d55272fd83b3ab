import { ProjectionRunner, readModelProjections, type FailedEvent } from '@onematter/adapters';
import { SNAPSHOT_EVERY, SNAPSHOT_PROJECTION } from '@onematter/engine';
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CommandKit } from '../cli.js';
import { openConfiguredStore, UsageError, type RuntimeConfig } from '../runtime.js';

interface StoreFlags {
  dataDir: string;
  store: RuntimeConfig['store'];
  pgUrl?: string;
  pgSchema?: string;
  kurrentdbUrl?: string;
}

/**
 * `onematter projections rebuild|status`: the read models (case list, department work
 * queues, …) are derived from the events and kept in the store's database with their
 * checkpoints; `rebuild` drops them and replays every event, `status` shows how far each
 * has followed the store. A rebuild may run while servers run on the same database:
 * their next commit finds the checkpoint moved, and they follow the rebuilt model.
 */
export function registerProjectionsCommand(program: Command, kit: CommandKit): void {
  const projections = program.command('projections').description('read models derived from the events: rebuild them, or see how far they have followed');

  kit
    .storeOptions(projections.command('rebuild').description('drop the read models and rebuild them from every event'))
    .option('--only <names>', `rebuild only these (comma-separated): ${REBUILDABLE.join(', ')}`)
    .action(async (f: StoreFlags & { only?: string }) => {
      const chosen = chosenProjections(f.only);
      await withStore(f, async (store) => {
        // Case snapshots are a cache the command handler fills as cases grow: rebuilding drops them.
        if (!f.only || onlyNames(f.only).includes(SNAPSHOT_PROJECTION)) {
          const documents = await store.readModels.countDocuments(SNAPSHOT_PROJECTION);
          await store.readModels.resetReadModel(SNAPSHOT_PROJECTION);
          process.stdout.write(`${SNAPSHOT_PROJECTION}: dropped ${documents} snapshots (replays fold every event until a case passes its next multiple of ${SNAPSHOT_EVERY.toLocaleString('en-US')} events)\n`);
        }
        for (const projection of chosen) {
          const t0 = performance.now();
          const runner = new ProjectionRunner({ store, readModels: store.readModels, projection });
          const { position, documents } = await runner.rebuild();
          const seconds = ((performance.now() - t0) / 1000).toFixed(2);
          process.stdout.write(`${projection.name}: rebuilt from the events up to global position ${position}: ${documents} documents in ${seconds} s\n`);
          await reportFailures(runner);
        }
      });
    });

  kit
    .storeOptions(projections.command('status').description('each read model\'s checkpoint against the head of the store'))
    .action(async (f: StoreFlags) => {
      await withStore(f, async (store) => {
        const head = await store.headPosition();
        for (const projection of readModelProjections) {
          const checkpoint = await store.readModels.readModelCheckpoint(projection.name);
          const documents = await store.readModels.countDocuments(projection.name);
          const runner = new ProjectionRunner({ store, readModels: store.readModels, projection });
          const failed = await runner.failedEvents();
          process.stdout.write(`${projection.name}: at ${checkpoint} of ${head} (${documents} documents)${failed.length > 0 ? `; ${failedText(failed.length)}` : ''}\n`);
          process.stdout.write(failedLines(failed));
        }
        process.stdout.write(`${SNAPSHOT_PROJECTION}: ${await store.readModels.countDocuments(SNAPSHOT_PROJECTION)} snapshots\n`);
      });
    });
}

const failedText = (n: number) => `${n} event${n === 1 ? '' : 's'} could not be applied (set aside, the read model goes on without them)`;
const failedLines = (failed: readonly FailedEvent[]) =>
  failed.map((f) => `  #${f.globalPosition} ${f.type} of ${f.streamId}: ${f.error}\n`).join('');

/** After a rebuild: the events it set aside, one line each. */
async function reportFailures(runner: ProjectionRunner): Promise<void> {
  const failed = await runner.failedEvents();
  if (failed.length === 0) return;
  process.stdout.write(`${runner.name}: ${failedText(failed.length)}:\n${failedLines(failed)}`);
}

/** Every name `--only` takes: the projections, and the case snapshots (dropped, not rebuilt). */
const REBUILDABLE = [...readModelProjections.map((p) => p.name), SNAPSHOT_PROJECTION];

const onlyNames = (only: string): string[] => only.split(',').map((s) => s.trim()).filter(Boolean);

function chosenProjections(only: string | undefined) {
  if (!only) return readModelProjections;
  const names = onlyNames(only);
  const unknown = names.filter((n) => !REBUILDABLE.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown projection ${unknown.join(', ')}; use ${REBUILDABLE.join(', ')}`);
  }
  return readModelProjections.filter((p) => names.includes(p.name));
}

async function withStore(f: StoreFlags, work: (store: Awaited<ReturnType<typeof openConfiguredStore>>) => Promise<void>): Promise<void> {
  const store = await openConfiguredStore({
    store: f.store,
    dataDir: resolve(f.dataDir),
    ...(f.pgUrl ? { pgUrl: f.pgUrl } : {}),
    ...(f.pgSchema ? { pgSchema: f.pgSchema } : {}),
    ...(f.kurrentdbUrl ? { kurrentdbUrl: f.kurrentdbUrl } : {}),
  });
  try {
    await work(store);
  } finally {
    await store.close();
  }
}
