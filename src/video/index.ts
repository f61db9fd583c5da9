// Video: per-frame attention, the timeline, its cache and writers, and the annotated export.
export type * from './types.js';
export { analyzeVideo } from './analyzeVideo.js';
export { mapCentroid, mapEntropy } from './mapStats.js';
export { mapFlicker, meanOf } from './flicker.js';
export { clipRange, applyRange, frameRange, type ValueRange } from './mapScale.js';
export { pickMaps, blendMaps, type MapPick } from './betweenFrames.js';
export { cacheKey, type CacheKeyParts } from './cacheKey.js';
export { VideoCache, defaultVideoCacheDir } from './videoCache.js';
export { exportAnnotated } from './exportAnnotated.js';
export { timelineJson, timelineCsv, writeTimelineJson, writeTimelineCsv, CSV_COLUMNS } from './timelineWriters.js';
export { writeTimelineSidecars, sidecarPaths, type SidecarPaths } from './sidecars.js';
export { sliceTimeline } from './sliceTimeline.js';
