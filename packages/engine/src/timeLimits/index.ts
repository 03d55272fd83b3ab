export * from './facts.js';
export * from './readings.js';
export { startSpecialProcedure, endSpecialProcedure, recordTimeLimit } from './decide.js';
