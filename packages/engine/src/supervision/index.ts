export * from './trackedCase.js';
export * from './modeStats.js';
export * from './supervision.js';
