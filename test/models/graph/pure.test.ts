// The pure pieces of the graph-model support: NodeDef attribute decoding, TF's padding rule,
// graph parsing (tensor references, control inputs, topological order), which op inputs are
// parameters, and the head classification.
import { describe, expect, it } from 'vitest';
import { attrBool, attrFloat, attrInt, attrInts, attrString, attrStrings } from '../../../src/models/graph/attrs.js';
import { axisPadding, convOutputLength } from '../../../src/models/graph/convPadding.js';
import { parseGraphDef, parseTensorRef, refName } from '../../../src/models/graph/graphDef.js';
import { parameterInputs } from '../../../src/models/graph/opInputs.js';
import { classifyHead } from '../../../src/models/graph/classify.js';
import { attr } from './graphBuilder.js';

describe('attrs', () => {
  it('decodes the protobuf JSON the converter writes', () => {
    const a = {
      padding: attr.s('SAME'),
      fused_ops: attr.strs(['BiasAdd', 'Relu6']),
      strides: attr.ints([1, 2, 2, 1]),
      num_args: attr.i(1),
      alpha: attr.f(0.25),
      keep_dims: attr.b(true),
      bytes: { s: [86, 65, 76, 73, 68] },
    };
    expect(attrString(a, 'padding', 'x')).toBe('SAME');
    expect(attrString(a, 'bytes', 'x')).toBe('VALID');
    expect(attrStrings(a, 'fused_ops')).toEqual(['BiasAdd', 'Relu6']);
    expect(attrInts(a, 'strides', [])).toEqual([1, 2, 2, 1]);
    expect(attrInt(a, 'num_args', 0)).toBe(1);
    expect(attrFloat(a, 'alpha', 0)).toBe(0.25);
    expect(attrBool(a, 'keep_dims', false)).toBe(true);
    // defaults when absent, and an empty list counts as absent
    expect(attrString(a, 'data_format', 'NHWC')).toBe('NHWC');
    expect(attrInts({ d: { list: {} } }, 'd', [1, 1, 1, 1])).toEqual([1, 1, 1, 1]);
    expect(attrStrings(undefined, 'fused_ops')).toEqual([]);
  });
});

describe('convPadding', () => {
  it("follows TensorFlow's SAME rule (odd pixel after) and gives consistent output lengths", () => {
    expect(axisPadding(7, 3, 1, 1, 'same')).toEqual([1, 1]);
    expect(axisPadding(8, 3, 2, 1, 'same')).toEqual([0, 1]);
    expect(axisPadding(7, 3, 2, 1, 'same')).toEqual([1, 1]);
    expect(axisPadding(6, 2, 1, 1, 'same')).toEqual([0, 1]);
    expect(axisPadding(9, 3, 1, 2, 'same')).toEqual([2, 2]);
    expect(axisPadding(9, 3, 1, 2, 'valid')).toEqual([0, 0]);
    expect(axisPadding(9, 3, 1, 1, [2, 0])).toEqual([2, 0]);
    for (const [n, k, s, d] of [
      [7, 3, 2, 1],
      [8, 3, 2, 1],
      [10, 5, 3, 1],
      [9, 3, 1, 2],
    ] as const) {
      const [a, b] = axisPadding(n, k, s, d, 'same');
      expect(convOutputLength(n, k, s, d, [a, b])).toBe(convOutputLength(n, k, s, d, 'same'));
      expect(convOutputLength(n, k, s, d, 'same')).toBe(Math.ceil(n / s));
    }
    expect(convOutputLength(10, 3, 3, 1, 'valid')).toBe(3);
  });
});

describe('graphDef', () => {
  it('parses references, drops control inputs and orders nodes inputs-first', () => {
    expect(parseTensorRef('split:1')).toEqual({ node: 'split', index: 1 });
    expect(parseTensorRef('a/b/c')).toEqual({ node: 'a/b/c', index: 0 });
    expect(refName({ node: 'n', index: 0 })).toBe('n');
    expect(refName({ node: 'n', index: 2 })).toBe('n:2');
    const g = parseGraphDef(
      {
        node: [
          { name: 'out', op: 'Relu', input: ['add', '^init'] },
          { name: 'add', op: 'AddV2', input: ['x', 'c'] },
          { name: 'c', op: 'Const' },
          { name: 'init', op: 'NoOp' },
          { name: 'x', op: 'Placeholder' },
        ],
      },
      'm.json',
    );
    const order = g.order.map((n) => n.name);
    expect(order.indexOf('x')).toBeLessThan(order.indexOf('add'));
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('add'));
    expect(order.indexOf('add')).toBeLessThan(order.indexOf('out'));
    expect(g.nodes.get('out')!.inputs).toEqual([{ node: 'add', index: 0 }]);
    expect(g.consumers.get('add')!.map((n) => n.name)).toEqual(['out']);
  });

  it('names the broken node of a bad graph', () => {
    expect(() => parseGraphDef({ node: [{ name: 'a', op: 'Relu', input: ['zzz'] }] }, 'm.json')).toThrow(/m.json: node "a" reads "zzz", which is not in the graph/);
    expect(() => parseGraphDef({}, 'm.json')).toThrow(/m.json: graph model without a node list/);
    expect(() =>
      parseGraphDef(
        {
          node: [
            { name: 'a', op: 'Relu', input: ['b'] },
            { name: 'b', op: 'Relu', input: ['a'] },
          ],
        },
        'm.json',
      ),
    ).toThrow(/cycle/);
  });
});

describe('parameterInputs', () => {
  const node = (op: string, n: number, attrJson = {}) => ({ name: 'n', op, inputs: Array.from({ length: n }, (_, i) => ({ node: `i${i}`, index: 0 })), attr: attrJson });
  it('marks weights, shapes, axes and paddings as parameters, operands as data', () => {
    expect([...parameterInputs(node('_FusedConv2D', 3))]).toEqual([1, 2]);
    expect([...parameterInputs(node('Reshape', 2))]).toEqual([1]);
    expect([...parameterInputs(node('ConcatV2', 4, { N: attr.i(3) }))]).toEqual([3]);
    expect([...parameterInputs(node('AddV2', 2))]).toEqual([]);
    expect([...parameterInputs(node('Shape', 1))]).toEqual([0]);
  });
});

describe('classifyHead', () => {
  it('mirrors the layers rules: gap-affine chain, affine, nonlinear', () => {
    expect(
      classifyHead([
        { kind: 'pointwise', sources: ['f', 'static'] },
        { kind: 'gap', sources: [0] },
        { kind: 'pointwise', sources: [1, 'static'] },
        { kind: 'affine', sources: [2] },
      ]),
    ).toBe('gap-affine');
    // an affine op before the pooling
    expect(
      classifyHead([
        { kind: 'affine', sources: ['f'] },
        { kind: 'gap', sources: [0] },
      ]),
    ).toBe('affine');
    // a side tensor (skip connection) breaks the chain
    expect(
      classifyHead([
        { kind: 'pointwise', sources: ['f', 'side'] },
        { kind: 'gap', sources: [0] },
      ]),
    ).toBe('affine');
    // two filter-dependent inputs
    expect(
      classifyHead([
        { kind: 'pointwise', sources: ['f'] },
        { kind: 'affine', sources: [0, 'f'] },
        { kind: 'gap', sources: [1] },
      ]),
    ).toBe('affine');
    expect(
      classifyHead([
        { kind: 'gap', sources: ['f'] },
        { kind: 'nonlinear', sources: [0] },
      ]),
    ).toBe('nonlinear');
  });
});
