export * from './types.js';
export * from './errors.js';
export * from './worker.js';
export * from './kafkaBus.js';
export * from './department.js';
