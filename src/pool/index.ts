// Backbone passes in worker threads, behind the BackboneRunner interface.
export { createBackbonePool, type BackbonePool, type BackbonePoolOptions } from './backbonePool.js';
export { resolveWorkerScript } from './workerScript.js';
