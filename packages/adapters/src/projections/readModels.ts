import { caseListProjection } from './caseList.js';
import type { Projection } from './runner.js';
import { workQueueProjection } from './workQueue.js';

/**
 * Every projection kept as a read model in the store's database: what
 * `onematter projections rebuild` rebuilds and `projections status` reports. A new
 * read model (the supervision views, say) joins this list.
 */
export const readModelProjections: readonly Projection<never>[] = [caseListProjection, workQueueProjection] as readonly Projection<never>[];
