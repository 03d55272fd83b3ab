/** One share of `audit verify --all` (see verifyAll.ts): scans a range of the global order on its own connection. */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '@onematter/adapters/open-store';
import { scanRange } from '@onematter/engine';
import type { VerifyWorkerData, VerifyWorkerMessage } from './verifyAll.js';

const data = workerData as VerifyWorkerData;
const post = (m: VerifyWorkerMessage) => parentPort!.postMessage(m);

try {
  const store = await openStore(data.storeConfig);
  try {
    const summary = await scanRange(store, {
      after: data.after,
      upTo: data.upTo,
      cutoffs: data.cutoffs,
      onProgress: (events) => post({ kind: 'progress', events }),
    });
    post({ kind: 'done', summary });
  } finally {
    await store.close();
  }
} catch (error) {
  post({ kind: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
