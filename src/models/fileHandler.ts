// A TF.js IOHandler that reads model.json and its weight shards from the local file system.
// tfjs-node would register file:// itself, but it is an optional dependency that cannot install
// here, so the loader must not depend on it. Errors name the file and the problem, because a
// missing or truncated shard is the most common way a model folder breaks.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { weightFile } from './weightPaths.js';
import { nonFiniteProblem } from './nonFinite.js';

export class ModelFileError extends Error {}

/** Reads and parses a model.json, with one-line errors naming it. */
export async function readModelJson(jsonPath: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const dir = path.dirname(jsonPath);
      throw new ModelFileError(`${dir}: no model.json in this folder (expected a TF.js model: model.json plus weight shards)`);
    }
    throw new ModelFileError(`${jsonPath}: cannot read: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`${jsonPath}: not valid JSON (${(e as Error).message})`);
  }
  const m = json as Partial<tf.io.ModelJSON>;
  if (!m || typeof m !== 'object' || !m.modelTopology || !Array.isArray(m.weightsManifest)) {
    throw new ModelFileError(`${jsonPath}: not a TF.js model.json (needs modelTopology and weightsManifest)`);
  }
  return m as tf.io.ModelJSON;
}

/** Concatenates the shards listed in the manifest, checking each has the size its specs need. */
async function loadShards(dir: string, manifest: tf.io.WeightsManifestConfig, jsonPath: string): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of manifest) {
    let groupBytes = 0;
    const groupBuffers: Uint8Array[] = [];
    for (const rel of group.paths) {
      const file = await weightFile(dir, rel, jsonPath);
      if (file instanceof Error) throw new ModelFileError(file.message);
      try {
        groupBuffers.push(await readFile(file));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new ModelFileError(`${file}: ${code === 'ENOENT' ? 'weight shard missing' : (e as Error).message}`);
      }
      groupBytes += groupBuffers[groupBuffers.length - 1]!.byteLength;
    }
    const needed = group.weights.reduce((n, w) => n + weightBytes(w), 0);
    if (groupBytes < needed) {
      const last = path.resolve(dir, group.paths[group.paths.length - 1] ?? '');
      throw new ModelFileError(`${last}: weight shard truncated (${groupBytes} bytes, the manifest needs ${needed})`);
    }
    specs.push(...group.weights);
    // A group's shards hold exactly its weights; extra trailing bytes would shift the next group.
    const joined = concat(groupBuffers);
    buffers.push(joined.subarray(0, needed));
  }
  const all = concat(buffers);
  const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  checkFloatWeights(jsonPath, specs, data);
  return [specs, data];
}

/** Every plain float32 weight must be finite (nonFinite.ts); quantized ones decode to finite values. */
function checkFloatWeights(jsonPath: string, specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): void {
  let offset = 0;
  for (const w of specs) {
    const bytes = weightBytes(w);
    if (w.dtype === 'float32' && !w.quantization) {
      // a view needs 4-byte alignment, which bool or quantized weights before it may break
      const values = offset % 4 === 0 ? new Float32Array(data, offset, bytes / 4) : new Float32Array(data.slice(offset, offset + bytes));
      const problem = nonFiniteProblem(jsonPath, `weight "${w.name}"`, values);
      if (problem) throw new ModelFileError(problem);
    }
    offset += bytes;
  }
}

function weightBytes(w: tf.io.WeightsManifestEntry): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (w.quantization) {
    const q = w.quantization.dtype;
    return n * (q === 'uint8' ? 1 : 2);
  }
  switch (w.dtype) {
    case 'float32':
    case 'int32':
      return n * 4;
    case 'bool':
      return n;
    default:
      throw new ModelFileError(`weight ${w.name}: unsupported dtype ${w.dtype}`);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** An IOHandler for a model.json on disk (weights resolved relative to it). */
export function fileHandler(jsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = await readModelJson(jsonPath);
      const dir = path.dirname(jsonPath);
      return tf.io.getModelArtifactsForJSON(json, (manifest) => loadShards(dir, manifest, jsonPath));
    },
  };
}

/** A model location (a path or a file:// URL) as a path, and whether it is a folder; a clear error when it does not exist. */
export async function statLocation(location: string): Promise<{ path: string; isDirectory: boolean }> {
  const p = location.startsWith('file://') ? new URL(location).pathname : location;
  try {
    return { path: p, isDirectory: (await stat(p)).isDirectory() };
  } catch {
    throw new ModelFileError(`${p}: no such file or folder`);
  }
}

/** model.json path for a folder, a model.json path or a file:// URL. */
export async function modelJsonPath(location: string): Promise<string> {
  const { path: p, isDirectory } = await statLocation(location);
  return isDirectory ? path.join(p, 'model.json') : p;
}
