export * from './stores/index.js';
export * from './bus/inProcessBus.js';
export * from './relay/outboxRelay.js';
export * from './relay/eventFeed.js';
export * from './departments/decisionMessage.js';
export * from './departments/decisionConsumer.js';
export * from './departments/simulated.js';
export * from './projections/caseList.js';
export * from './projections/runner.js';
export * from './projections/logFollower.js';
export * from './projections/workQueue.js';
export * from './projections/readModels.js';
export * from './kafka/kafkaBus.js';
// The department SDK (its own package, which departments install): re-exported so the engine side names it from here too.
export {
  createDepartmentWorker,
  department,
  DepartmentReply,
  type DepartmentClient,
  type DepartmentClientOptions,
  type DepartmentWorkerOptions,
  type TaskHandler,
} from '@onematter/department';
export * from './projections/caseTimeLimits.js';
export * from './scheduler/index.js';
export * from './clock/wallClocks.js';
export * from './calendar/predict.js';
export * from './calendar/calendarBook.js';
