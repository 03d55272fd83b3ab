export * from './stores/index.js';
export * from './bus/inProcessBus.js';
export * from './relay/outboxRelay.js';
export * from './departments/decisionMessage.js';
export * from './departments/worker.js';
export * from './departments/decisionConsumer.js';
export * from './departments/simulated.js';
export * from './projections/caseList.js';
