/** The decision message on the bus: the engine's one decision schema (case/decisionInput.ts), named here for the adapters' importers. */
export { DecisionMessage } from '@onematter/engine';
