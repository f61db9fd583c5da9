// The contract between the app's UI and the engine: one typed service (methods, events, job ids,
// errors) shared by Electron's IPC, the local HTTP server, the hosts in renderer/ and the tests.
// Data-only and free of Node and DOM imports, so the renderer bundles it as is.
//
// How to add a method:
//   1. Add its name with `{ args; result }` types to CoreMethods in methods.ts (or, for volumes,
//      to VolumeMethods in volume.ts), result types in types.ts (volume types in volume.ts).
//   2. Add its argument spec to CORE_METHOD_SPECS (VOLUME_METHOD_SPECS): this is the allowlist.
//      The type checker refuses a spec table missing a method.
//   3. Implement it in src/service/ (createService in service.ts; volumes in volumeService.ts).
//      Return JSON-able data; put big arrays in the binary store (ctx.binaries.put) and return the
//      BinaryRef. Throw ServiceError with a readable one-line message naming the file.
//   4. Nothing else: the HTTP server (POST /api/<name>), Electron's IPC binding and both hosts
//      forward every method in the spec table, with the argument checks.
// Events: add to CoreEvent in events.ts (VolumeEvent in volume.ts) and its type to the list.
export * from './errors.js';
export * from './binary.js';
export * from './types.js';
export * from './argSpec.js';
export * from './methods.js';
export * from './events.js';
export * from './volume.js';
export * from './solveStop.js';
export * from './webSession.js';
