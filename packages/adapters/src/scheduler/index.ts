export { TimeLimitScheduler, type TimeLimitSchedulerOptions, type SchedulerStatus } from './timeLimitScheduler.js';
export { TimerHeap, type HeapEntry } from './timerHeap.js';
