// --mean/--std (torchvision-style normalisation) and --ort-threads: parsing, validation, the
// Preprocessing they produce, and inputTensor's values checked against hand-computed numbers.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Command, CommanderError } from 'commander';
import { checkChannelTriple, parseChannelTriple, preprocessingFromFlags } from '../../src/models/preprocessFlags.js';
import { inputTensor } from '../../src/models/preprocess.js';
import { addModelOptions, modelFlagsOf, type ModelCliOptions } from '../../src/cli/modelOptions.js';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

describe('parseChannelTriple', () => {
  it('reads r,g,b with or without spaces', () => {
    expect(parseChannelTriple('0.485,0.456,0.406', '--mean')).toEqual([0.485, 0.456, 0.406]);
    expect(parseChannelTriple(' 0.5 , -1e-1,2', '--mean')).toEqual([0.5, -0.1, 2]);
  });
  it('names the flag and the problem', () => {
    expect(() => parseChannelTriple('0.5,0.5', '--mean')).toThrow('--mean needs 3 numbers (one per channel, r,g,b), got 2');
    expect(() => parseChannelTriple('0.5,0.5,0.5,0.5', '--std')).toThrow('--std needs 3 numbers (one per channel, r,g,b), got 4');
    expect(() => parseChannelTriple('0.5,red,0.5', '--mean')).toThrow('--mean: "red" is not a number');
    expect(() => parseChannelTriple('0.5,,0.5', '--mean')).toThrow('--mean: "" is not a number');
    expect(() => parseChannelTriple('0.2,0,0.2', '--std', true)).toThrow('--std: value 2 must be greater than 0, got 0');
    expect(() => parseChannelTriple('0.2,0.2,-0.2', '--std', true)).toThrow('--std: value 3 must be greater than 0, got -0.2');
  });
  it('checks values that come as arrays (app/API callers)', () => {
    expect(() => checkChannelTriple([0.1, '0.2', 0.3], '--mean')).toThrow('--mean: value 2 is not a number ("0.2")');
    expect(() => checkChannelTriple([0.1, NaN, 0.3], '--mean')).toThrow('--mean: value 2 is not a number');
    expect(() => checkChannelTriple([], '--std', true)).toThrow('--std needs 3 numbers');
  });
});

describe('preprocessingFromFlags', () => {
  it('no flags: null (the catalogue or the loader decides)', () => {
    expect(preprocessingFromFlags({})).toBeNull();
  });
  it('mean/std become x/255 then (x - mean) / std; one without the other defaults to 0 or 1', () => {
    expect(preprocessingFromFlags(IMAGENET)).toEqual({ scale: 1 / 255, offset: 0, channelOrder: 'rgb', ...IMAGENET });
    expect(preprocessingFromFlags({ mean: [0.5, 0.5, 0.5] }, 'bgr')).toEqual({ scale: 1 / 255, offset: 0, channelOrder: 'bgr', mean: [0.5, 0.5, 0.5], std: [1, 1, 1] });
    expect(preprocessingFromFlags({ std: [0.5, 0.5, 0.5] })).toMatchObject({ mean: [0, 0, 0], std: [0.5, 0.5, 0.5] });
  });
  it('scale/offset as before', () => {
    expect(preprocessingFromFlags({ scale: 1 / 127.5, offset: -1 })).toEqual({ scale: 1 / 127.5, offset: -1, channelOrder: 'rgb' });
    expect(preprocessingFromFlags({ offset: -0.5 })).toEqual({ scale: 1, offset: -0.5, channelOrder: 'rgb' });
  });
  it('rejects mixing the two forms, std 0 and a zero scale', () => {
    expect(() => preprocessingFromFlags({ ...IMAGENET, scale: 2 })).toThrow(/--mean\/--std cannot be combined with --scale\/--offset/);
    expect(() => preprocessingFromFlags({ mean: [0, 0, 0], offset: 0 })).toThrow(/cannot be combined/);
    expect(() => preprocessingFromFlags({ std: [1, 0, 1] })).toThrow('--std: value 2 must be greater than 0, got 0');
    expect(() => preprocessingFromFlags({ mean: [1, 2] })).toThrow('--mean needs 3 numbers');
    expect(() => preprocessingFromFlags({ scale: 0 })).toThrow('--scale must be a non-zero number, got 0');
  });
});

describe('inputTensor with mean/std', () => {
  // pixels chosen so that pixel/255 is exact: 51 -> 0.2, 102 -> 0.4, 204 -> 0.8, 255 -> 1, 0 -> 0
  // (0.2 - 0.485) / 0.229 = -1.24454..., (0.4 - 0.456) / 0.224 = -0.25, (0.8 - 0.406) / 0.225 = 1.75111...
  // (1 - 0.485) / 0.229 = 2.24891..., (0 - 0.456) / 0.224 = -2.03571..., (1 - 0.406) / 0.225 = 2.64
  const rgb = Uint8Array.from([51, 102, 204, 255, 0, 255]);

  it('matches hand-computed values (rgb)', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const t = inputTensor(rgb, 2, 1, preprocessingFromFlags(IMAGENET)!);
    expect(t.shape).toEqual([1, 1, 2, 3]);
    const v = Array.from(await t.data());
    t.dispose();
    const want = [-1.2445415, -0.25, 1.7511111, 2.2489083, -2.0357143, 2.64];
    v.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 5));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bgr models: channel 0 takes blue, and mean/std stay in the model channel order', async () => {
    await tf.setBackend('cpu');
    const t = inputTensor(rgb, 2, 1, preprocessingFromFlags(IMAGENET, 'bgr')!);
    const v = Array.from(await t.data());
    t.dispose();
    // pixel 1: b=0.8, g=0.4, r=0.2 -> (0.8-0.485)/0.229, (0.4-0.456)/0.224, (0.2-0.406)/0.225
    const want = [1.3755459, -0.25, -0.9155556, 2.2489083, -2.0357143, 2.64];
    v.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 5));
  });
});

describe('model flags on the command line', () => {
  function parse(args: string[]): ModelCliOptions {
    const cmd = addModelOptions(new Command('t'))
      .exitOverride()
      .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    cmd.parse(args, { from: 'user' });
    return cmd.opts<ModelCliOptions>();
  }

  it('--mean/--std/--ort-threads reach ModelFlags as plain numbers', () => {
    const flags = modelFlagsOf(parse(['--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225', '--ort-threads', '2']));
    expect(flags).toMatchObject({ mean: IMAGENET.mean, std: IMAGENET.std, ortThreads: 2 });
    // plain data: what the backbone pool sends to its workers
    expect(structuredClone(flags)).toEqual(flags);
  });

  it('a negative mean is a value, not an option', () => {
    expect(parse(['--mean', '-0.5,0,0.5']).mean).toEqual([-0.5, 0, 0.5]);
  });

  it('bad values stop at parse time with the flag named', () => {
    const err = (args: string[]) => {
      try {
        parse(args);
      } catch (e) {
        expect(e).toBeInstanceOf(CommanderError);
        return (e as Error).message;
      }
      return 'parsed';
    };
    expect(err(['--mean', '0.4,0.4'])).toMatch(/--mean needs 3 numbers/);
    expect(err(['--std', '0.2,0,0.2'])).toMatch(/--std: value 2 must be greater than 0/);
    expect(err(['--ort-threads', '0'])).toMatch(/--ort-threads.*expected an integer in 1\.\.64, got "0"/);
    expect(err(['--ort-threads', '1.5'])).toMatch(/expected an integer in 1\.\.64/);
    expect(err(['--ort-threads', '65'])).toMatch(/expected an integer in 1\.\.64/);
  });

  it('mixing --mean with --scale is refused before any model is opened', () => {
    expect(() => modelFlagsOf(parse(['--mean', '0.5,0.5,0.5', '--scale', '0.01']))).toThrow(/--mean\/--std cannot be combined with --scale\/--offset/);
  });
});
