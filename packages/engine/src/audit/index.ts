/** Audit: hash chain (exported beside), daily anchors, verification, replay, access log, timeline. */
export * from './streams.js';
export * from './merkle.js';
export * from './anchors.js';
export * from './verifier.js';
export * from './replay.js';
export * from './accessLog.js';
export * from './prepare.js';
export * from '../application/audit.js';
export * from '../view/timeline.js';
