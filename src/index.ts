// The engine's public API for code that embeds it (the CLI, the app's service, workers).
export * from './attention/index.js';
export type * from './attention/types.js';
export { selectBackend, currentBackend, type BackendName } from './engine/backend.js';
export { openModel, type ModelFlags } from './engine/openModel.js';
export { analyzeFeatures, requestKey, type MapRequest } from './engine/analyze.js';
export { analyzeImageFile, buildRequests, toMapResult, type ImageResult, type MapResult } from './engine/imageAnalysis.js';
export type { LoadedModel } from './models/loadModel.js';
export type { SplitModel, BackboneOutput, LayerInfo } from './models/split.js';
export * from './slices/index.js';
