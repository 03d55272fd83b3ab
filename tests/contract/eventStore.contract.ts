/**
 * The event store contract: every adapter (memory, SQLite, PostgreSQL, KurrentDB) runs
 * these same specifications, one suite per role of the store port (ports.ts), so a new
 * store can be written and tested one role at a time. Each one is a behaviour the engine,
 * a subscriber or an auditor relies on. The fixtures carry fake hashes: stores keep hashes,
 * they do not verify them (the engine does).
 */
import { eventLogContract } from './eventLog.contract.js';
import { followersContract } from './followers.contract.js';
import type { ContractArgs } from './harness.js';
import { outboxContract } from './outbox.contract.js';
import { witnessesContract } from './witnesses.contract.js';

export { event, events, task, type ContractOptions } from './harness.js';

/** Every role's contract, on one store. */
export const eventStoreContract = (...args: ContractArgs) => {
  eventLogContract(...args);
  outboxContract(...args);
  followersContract(...args);
  witnessesContract(...args);
};
