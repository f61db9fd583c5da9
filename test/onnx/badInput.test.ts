// Bad ONNX input gives one clear error naming the file (or node) and the problem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { useBackend } from '../attention/setup.js';
import { loadOnnxModel } from '../../src/models/onnx/loadOnnx.js';
import { openModel } from '../../src/engine/openModel.js';
import { buildModel, removeWrittenModels, node, randomTensor, writeModel, type GraphSpec } from './buildOnnx.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const pre = { scale: 1, offset: 0, channelOrder: 'rgb' as const };
const load = (file: string) => loadOnnxModel({ id: 'bad', location: file, preprocessing: pre, threads: 1 });

function convThen(tail: GraphSpec['nodes'], extra: Partial<GraphSpec> = {}): Uint8Array {
  return buildModel({
    nodes: [node('Conv', ['x', 'w0'], ['feat'], { pads: { ints: [1, 1, 1, 1] } }), ...tail],
    initializers: [randomTensor('w0', [4, 3, 3, 3], 1)],
    outputs: ['y'],
    ...extra,
  });
}

describe('bad ONNX input', () => {
  beforeAll(async () => {
    await useBackend();
  });
  afterAll(removeWrittenModels);

  it('a file of random bytes', async () => {
    const file = writeModel(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251), 'garbage');
    const err = await load(file).then(() => null, (e: Error) => e);
    expect(err?.message.startsWith(`${file}: not `)).toBe(true);
    expect(err?.message).toMatch(/ONNX model/);
  });

  it('an empty file', async () => {
    const file = writeModel(new Uint8Array(0), 'empty');
    await expect(load(file)).rejects.toThrow(/empty-\d+\.onnx: not an ONNX model \(no graph nodes\)/);
  });

  it.runIf(haveFixture('models/darknet-tiny-onnx'))('a truncated real model, through openModel', async () => {
    const bytes = readFileSync(fixture('models/darknet-tiny-onnx/model.onnx'));
    const file = writeModel(bytes.subarray(0, 100_000), 'truncated');
    await expect(openModel({ model: file, scale: 1 / 255 })).rejects.toThrow(/truncated-\d+\.onnx: not (a readable ONNX model|an ONNX model)/);
  });

  it('an op the head cannot translate names the op and the node', async () => {
    const file = writeModel(convThen([node('Hardmax', ['feat'], ['h'], {}, 'odd_node'), node('Flatten', ['h'], ['y'])]));
    const m = await load(file);
    expect(() => m.split('feat')).toThrow(/node odd_node \(Hardmax\): op Hardmax is not supported in the head.*--layer/);
    m.dispose();
  });

  it('a node name that does not exist', async () => {
    const file = writeModel(convThen([node('Relu', ['feat'], ['r']), node('Flatten', ['r'], ['y'])]));
    const m = await load(file);
    expect(() => m.split('no_such_node')).toThrow(/no node or tensor named "no_such_node" \(run `l2caf layers` to list them\)/);
    expect(() => m.split('y')).toThrow(/"y" has output shape \[256\] without spatial extent/);
    m.dispose();
  });

  it('a model with two inputs', async () => {
    const spec: GraphSpec = {
      nodes: [node('Add', ['x', 'x2'], ['s']), node('Conv', ['s', 'w0'], ['feat']), node('Flatten', ['feat'], ['y'])],
      initializers: [randomTensor('w0', [4, 3, 3, 3], 1)],
      inputs: [{ name: 'x', dims: [1, 3, 8, 8] }, { name: 'x2', dims: [1, 3, 8, 8] }],
      outputs: ['y'],
    };
    const file = writeModel(buildModel(spec));
    await expect(load(file)).rejects.toThrow(/: the model has 2 inputs \(x, x2\); one image input is expected/);
  });

  it('an input that is not a 3-channel image', async () => {
    const file = writeModel(convThen([node('Flatten', ['feat'], ['y'])], { inputs: [{ name: 'x', dims: [1, 1, 8, 8] }], initializers: [randomTensor('w0', [4, 1, 3, 3], 1)] }));
    await expect(load(file)).rejects.toThrow(/input "x" \[1, 1, 8, 8\] has 1 channels \(3 expected\)/);
  });

  it("a catalogue default layer that is not in the graph falls back to the last spatial one, and says so", async () => {
    const file = writeModel(convThen([node('Relu', ['feat'], ['r']), node('GlobalAveragePool', ['r'], ['g']), node('Flatten', ['g'], ['y'])]));
    const m = await loadOnnxModel({ id: 'fallback', location: file, preprocessing: pre, threads: 1, defaultLayer: 'guessed_name' });
    expect(m.defaultLayer).toBe('r');
    expect(m.assumptions.join('\n')).toMatch(/default layer "guessed_name" is not in the graph/);
    m.dispose();
  });

  it('a folder without an .onnx file is not taken for one; a folder with two asks which', async () => {
    const a = writeModel(convThen([node('Flatten', ['feat'], ['y'])]));
    const dir = a.slice(0, a.lastIndexOf('/'));
    writeFileSync(`${dir}/second.onnx`, readFileSync(a));
    await expect(load(dir)).rejects.toThrow(/several \.onnx files/);
  });
});
