/**
 * Records beside the events that name cases: the case list (a read model, in the same
 * database). A case deleted from the events and from the store's stream index is still
 * named there, so `audit verify` can say which case is gone before an anchor covers it.
 */
import { caseListProjection } from '@onematter/adapters';
import type { ReadModelStore, StoreWitnesses } from '@onematter/engine';

export const CASE_LIST_WITNESS = 'the case list (read model case-list)';

const PAGE = 5_000;

/** Every case the case list holds. */
export async function caseListWitness(readModels: ReadModelStore): Promise<NonNullable<StoreWitnesses['named']>> {
  const streamIds: string[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await readModels.queryDocuments(caseListProjection.name, { limit: PAGE, ...(before !== undefined ? { before } : {}) });
    for (const d of page) streamIds.push(d.key);
    if (page.length < PAGE) return { source: CASE_LIST_WITNESS, streamIds };
    before = page[page.length - 1]!.position;
  }
}

/** The case list's name for `caseId`, if it holds the case. */
export async function caseListNames(readModels: ReadModelStore, caseId: string): Promise<string | undefined> {
  return (await readModels.getDocuments(caseListProjection.name, [caseId])).length > 0 ? CASE_LIST_WITNESS : undefined;
}
