export * from './facts.js';
export * from './clocks.js';
export { startSpecialProcedure, endSpecialProcedure, recordTimeLimit } from './decide.js';
