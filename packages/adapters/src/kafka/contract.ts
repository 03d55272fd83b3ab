import type * as sdk from '@onematter/department';
import type * as engine from '@onematter/engine';
import type { DecisionMessage } from '../departments/decisionMessage.js';

/**
 * `@onematter/department` carries its own copy of the contract types (so a department
 * installs it without the engine). Each must stay assignable both ways to the engine's:
 * a drift fails this file's typecheck.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type ContractTypesAgree = [
  Check<Same<sdk.TaskMessage, engine.TaskMessage>>,
  Check<Same<sdk.Topics, engine.Topics>>,
  Check<Same<sdk.BusMessage, engine.BusMessage>>,
  Check<Same<sdk.ConsumerStatus, engine.ConsumerStatus>>,
  Check<Same<sdk.Subscription, engine.Subscription>>,
  Check<Same<sdk.Bus, engine.Bus>>,
  Check<Same<sdk.DecisionMessage, DecisionMessage>>,
];
