export * from './app.js';
export * from './runtime.js';
export * from './problem.js';
export * from './metrics.js';
export { main, createProgram, EXIT } from './cli.js';
