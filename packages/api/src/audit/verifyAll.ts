import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { anchorCutoffs, concludeVerification, readAnchors, readWitnesses, scanRange, type EventStore, type RangeSummary, type ReadModelStore, type StoreVerification } from '@onematter/engine';
import { caseListWitness } from './witnesses.js';
import type { StoreConfig } from '@onematter/adapters';

export interface VerifyAllOptions {
  /** The store, opened by the caller. */
  store: EventStore;
  /**
   * How a worker thread opens the same database for itself. Without it (the memory
   * store, which lives in this process) everything runs in this thread.
   */
  storeConfig?: StoreConfig;
  /** The store's read models: the cases the case list holds must still have events. */
  readModels?: ReadModelStore;
  /** Worker threads; default: up to 4 (one per CPU) for stores of 200,000 events or more, else none. */
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

/** What a verification worker is given (worker_threads workerData). */
export interface VerifyWorkerData {
  storeConfig: StoreConfig;
  after: number;
  upTo: number;
  cutoffs: string[];
}

export type VerifyWorkerMessage = { kind: 'progress'; events: number } | { kind: 'done'; summary: RangeSummary } | { kind: 'failed'; message: string };

/**
 * `audit verify --all`: every stream's hash chain and every daily anchor. The
 * global order is cut into equal ranges of positions, each checked by a worker
 * thread on its own connection; the summaries are stitched in order (see the
 * engine's audit/verifier.ts), so the result is the same as one pass in one thread.
 */
export async function verifyAll(o: VerifyAllOptions): Promise<StoreVerification> {
  const startedAt = performance.now();
  const read = await readAnchors(o.store);
  const cutoffs = anchorCutoffs(read);
  // Before the head: see readWitnesses.
  const witnesses = { ...(await readWitnesses(o.store)), ...(o.readModels ? { named: await caseListWitness(o.readModels) } : {}) };
  const upTo = await o.store.headPosition();
  const script = workerScript();
  const wanted = o.workers ?? (upTo >= 200_000 ? Math.min(4, availableParallelism()) : 1);
  const workers = o.storeConfig && o.storeConfig.kind !== 'memory' && script ? Math.max(1, Math.min(wanted, upTo)) : 1;

  if (workers <= 1) {
    const summary = await scanRange(o.store, { after: 0, upTo, cutoffs, ...(o.onProgress ? { onProgress: (n: number) => o.onProgress!(n, upTo) } : {}) });
    return concludeVerification(o.store, read, witnesses, [summary], startedAt);
  }

  const done = new Array<number>(workers).fill(0);
  const report = () => o.onProgress?.(done.reduce((a, b) => a + b, 0), upTo);
  const size = Math.ceil(upTo / workers);
  const summaries = await Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const data: VerifyWorkerData = { storeConfig: o.storeConfig!, after: i * size, upTo: Math.min(upTo, (i + 1) * size), cutoffs };
      return new Promise<RangeSummary>((resolve, reject) => {
        // A larger young generation: a page of events outlives a scavenge less often (fewer promotions, less GC).
        const worker = new Worker(script!, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 192 } });
        worker.on('message', (m: VerifyWorkerMessage) => {
          if (m.kind === 'progress') {
            done[i] = m.events;
            report();
          } else if (m.kind === 'done') resolve(m.summary);
          else reject(new Error(`verification worker ${i}: ${m.message}`));
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`verification worker ${i} exited with ${code}`));
        });
      });
    }),
  );
  return concludeVerification(o.store, read, witnesses, summaries, startedAt);
}

/** The compiled worker. From the sources (tests) it is the built one, if the package was built. */
function workerScript(): URL | undefined {
  const here = new URL('./verifyWorker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/audit/verifyWorker.js', import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : undefined;
}
