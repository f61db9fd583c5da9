// The bundled model catalogue: it validates, its recorded sha256/sizes are the fixture files' ones,
// and the validator rejects the mistakes it is there to catch.
import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type Catalogue,
  CatalogueError,
  defaultEntry,
  findEntry,
  isSafeRelativePath,
  labelsFileName,
  loadCatalogue,
  manifestWeightPaths,
  parseCatalogue,
  plannedFiles,
  readCatalogue,
} from '../../src/models/catalogue.js';
import { jsStringArrayToJson } from '../../src/models/download.js';
import { bundledCataloguePath } from '../../src/models/paths.js';
import { digestFile, hashBytes } from '../../src/models/sha256.js';
import { fixture, haveFixture, PROJECT_ROOT } from '../helpers/fixtures.js';

const CATALOGUE_FILE = path.join(PROJECT_ROOT, 'models', 'catalogue.json');

async function rawCatalogue(): Promise<Record<string, any>> {
  return JSON.parse(await readFile(CATALOGUE_FILE, 'utf8'));
}

/** A deep copy of the raw catalogue JSON, edited by `edit`, then validated. */
async function parseEdited(edit: (raw: any) => void): Promise<Catalogue> {
  const raw = await rawCatalogue();
  edit(raw);
  return parseCatalogue(raw, 'edited');
}

describe('bundled catalogue', () => {
  it('is where paths.ts says, and validates', async () => {
    expect(bundledCataloguePath()).toBe(CATALOGUE_FILE);
    const cat = await loadCatalogue();
    expect(cat.models.length).toBeGreaterThanOrEqual(4);
    expect(defaultEntry(cat).id).toBe('darknet-tiny');
    expect(await loadCatalogue()).toBe(cat); // read once
  });

  it('has unique ids, a default that exists, and every required field in the raw JSON', async () => {
    const raw = await rawCatalogue();
    const ids = raw.models.map((m: any) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(raw.default);
    for (const id of ['darknet-tiny', 'darknet-tiny-onnx', 'mobilenet-v1-1.0-224', 'mobilenet-v2-1.0-224']) expect(ids).toContain(id);
    for (const m of raw.models) {
      for (const k of ['id', 'name', 'format', 'licence', 'verified', 'source', 'inputSize', 'preprocessing', 'labels', 'defaultLayer', 'outputs', 'notes']) {
        expect(m, `${m.id}.${k}`).toHaveProperty(k);
      }
      expect(m.source.files.length, m.id).toBeGreaterThan(0);
    }
  });

  it('describes darknet-tiny as the brief and the fixture README say', async () => {
    const cat = await loadCatalogue();
    const e = findEntry(cat, 'darknet-tiny')!;
    expect(e.format).toBe('tfjs-layers');
    expect(e.verified).toBe(true);
    expect(e.inputSize).toEqual([224, 224]);
    expect(e.preprocessing).toEqual({ scale: 1 / 255, offset: 0, channelOrder: 'rgb' });
    expect(e.defaultLayer).toBe('conv2d_16');
    expect(e.outputs).toBe('softmax-probabilities');
    expect(e.source.baseUrl).toBe('https://raw.githubusercontent.com/ml5js/ml5-data-and-models/0612a3e7/models/darknetclassifier/darknettiny/');
    const names = e.source.files.map((f) => f.path).sort();
    const expected = ['model.json', 'labels.json', ...Array.from({ length: 31 }, (_, i) => `group${i + 1}-shard1of1`)].sort();
    expect(names).toEqual(expected);
    // labels.json is derived from the ml5 JS module, and the catalogue says so.
    const labels = e.source.files.find((f) => f.path === 'labels.json')!;
    expect(labels.transform).toBe('js-string-array-to-json');
    expect(labels.url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/ml5js\/ml5-library\/[0-9a-f]{40}\/src\/utils\/IMAGENET_CLASSES_DARKNET\.js$/);
    expect(e.labels).toMatchObject({ file: 'labels.json', count: 1000, offset: 0, order: 'darknet', upstream: { kind: 'js-module' } });
    // model.json's manifest lists exactly the shard files of the entry.
    const planned = plannedFiles(cat, e);
    expect(planned.every((f) => f.url !== null)).toBe(true);
  });

  it('records the ONNX conversion as mirror-only, NCHW, input "input"', async () => {
    const e = findEntry(await loadCatalogue(), 'darknet-tiny-onnx')!;
    expect(e.format).toBe('onnx');
    expect(e.source.kind).toBe('mirror-only');
    expect(e.source.baseUrl).toBeUndefined();
    expect(e.source.notes).toMatch(/converted locally/i);
    expect(e.inputLayout).toBe('NCHW');
    expect(e.inputName).toBe('input');
    expect(e.defaultLayer).toBe('conv2d_16');
    expect(e.modelFile).toBe('model.onnx');
  });

  it('lists ONNX Model Zoo classifiers with their LFS sha256, ImageNet mean/std and shared labels', async () => {
    const cat = await loadCatalogue();
    for (const id of ['resnet18-v2-onnx', 'resnet50-v2-onnx', 'mobilenet-v2-onnx']) {
      const e = findEntry(cat, id)!;
      expect(e.format, id).toBe('onnx');
      expect(e.verified, id).toBe(true);
      expect(e.modelFile).toBe('model.onnx');
      expect(e.inputLayout).toBe('NCHW');
      expect(e.inputName).toBe('data');
      expect(e.outputs).toBe('logits');
      expect(e.preprocessing).toEqual({ scale: 1 / 255, offset: 0, channelOrder: 'rgb', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
      expect(e.labels).toEqual({ shared: 'imagenet-ilsvrc2012', offset: 0 });
      const f = e.source.files[0]!;
      expect(f.url).toMatch(/^https:\/\/github\.com\/onnx\/models\/raw\/[0-9a-f]{40}\/(validated\/)?vision\/classification\/.+\.onnx$/);
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(f.size).toBeGreaterThan(10_000_000);
      expect(plannedFiles(cat, e).map((p) => p.path).sort()).toEqual(['labels.txt', 'model.onnx']);
    }
  });

  it('marks the MobileNets unverified (no sha256) with ImageNet shared labels', async () => {
    const cat = await loadCatalogue();
    const v1 = findEntry(cat, 'mobilenet-v1-1.0-224')!;
    const v2 = findEntry(cat, 'mobilenet-v2-1.0-224')!;
    for (const e of [v1, v2]) {
      expect(e.verified).toBe(false);
      expect(e.source.weightsFromManifest).toBe(true);
      expect(e.source.files.every((f) => f.sha256 === null && f.size === null)).toBe(true);
      expect(e.labels).toMatchObject({ shared: 'imagenet-ilsvrc2012' });
      expect(labelsFileName(cat, e)).toBe('labels.txt');
      // the shared list is a verified file of the folder
      const lab = plannedFiles(cat, e).find((f) => f.path === 'labels.txt')!;
      expect(lab.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(v1.format).toBe('tfjs-layers');
    expect(v1.source.baseUrl).toBe('https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_1.0_224/');
    expect(v1.preprocessing).toEqual({ scale: 1 / 127.5, offset: -1, channelOrder: 'rgb' });
    expect(v1.labels).toEqual({ shared: 'imagenet-ilsvrc2012', offset: 0 });
    expect(v2.format).toBe('tfjs-graph');
    expect(v2.labels).toEqual({ shared: 'imagenet-ilsvrc2012', offset: 1 }); // 1001 outputs, background first
    expect(v2.notes).toMatch(/background/);
    expect(plannedFiles(cat, v2)[0]!.url).toBe('https://tfhub.dev/google/tfjs-model/imagenet/mobilenet_v2_100_224/classification/3/default/1/model.json?tfjs-format=file');
  });

  it('lists the car-detection sample video', async () => {
    const cat = await loadCatalogue();
    const s = cat.samples.find((x) => x.id === 'car-detection')!;
    expect(s.url).toBe('https://raw.githubusercontent.com/intel-iot-devkit/sample-videos/master/car-detection.mp4');
    expect(s.licence).toBe('CC-BY-4.0');
    expect(s.file).toBe('car-detection.mp4');
  });
});

describe.runIf(haveFixture('models/darknet-tiny'))('catalogue sha256 against the fixture files', () => {
  it('darknet-tiny: every file, sha256 and size, and nothing else in the folder', async () => {
    const e = findEntry(await loadCatalogue(), 'darknet-tiny')!;
    const dir = fixture('models/darknet-tiny');
    expect((await readdir(dir)).sort()).toEqual(e.source.files.map((f) => f.path).sort());
    for (const f of e.source.files) {
      const d = await digestFile(path.join(dir, f.path));
      expect(d, f.path).toEqual({ sha256: f.sha256, size: f.size });
    }
  });

  it('darknet-tiny: model.json names exactly the 31 shard files', async () => {
    const e = findEntry(await loadCatalogue(), 'darknet-tiny')!;
    const manifest = manifestWeightPaths(JSON.parse(await readFile(fixture('models/darknet-tiny/model.json'), 'utf8')));
    expect(manifest.sort()).toEqual(e.source.files.map((f) => f.path).filter((p) => p.startsWith('group')).sort());
  });

  it('darknet-tiny labels.json is reproduced by the js-string-array-to-json transform from an upstream-style module', async () => {
    const e = findEntry(await loadCatalogue(), 'darknet-tiny')!;
    const labels: string[] = JSON.parse(await readFile(fixture('models/darknet-tiny/labels.json'), 'utf8'));
    expect(labels).toHaveLength(1000);
    // The layout of ml5-library's src/utils/IMAGENET_CLASSES_DARKNET.js: licence header, 4-space
    // indent, trailing comma, a blank indented line before the closing bracket.
    const js = '// Copyright (c) 2018 ml5\n//\n// This software is released under the MIT License.\n// https://opensource.org/licenses/MIT\n/* eslint-disable */\nexport default [\n' +
      labels.map((l) => `    ${JSON.stringify(l)},\n`).join('') + '    \n]';
    const out = jsStringArrayToJson(js);
    expect(hashBytes(out)).toBe(e.source.files.find((f) => f.path === 'labels.json')!.sha256);
  });

  it.runIf(haveFixture('models/darknet-tiny-onnx'))('darknet-tiny-onnx', async () => {
    const e = findEntry(await loadCatalogue(), 'darknet-tiny-onnx')!;
    for (const f of e.source.files) {
      expect(await digestFile(fixture(`models/darknet-tiny-onnx/${f.path}`)), f.path).toEqual({ sha256: f.sha256, size: f.size });
    }
  });

  it.runIf(haveFixture('labels/imagenet-ilsvrc2012.txt'))('the shared ImageNet label list (1000 lines, tench first)', async () => {
    const set = (await loadCatalogue()).labelSets['imagenet-ilsvrc2012']!;
    const file = fixture('labels/imagenet-ilsvrc2012.txt');
    expect(await digestFile(file)).toEqual({ sha256: set.file.sha256, size: set.file.size });
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(set.count);
    expect(lines[0]).toMatch(/^tench/);
  });

  it.runIf(haveFixture('videos/car-detection.mp4'))('the sample video', async () => {
    const s = (await loadCatalogue()).samples.find((x) => x.id === 'car-detection')!;
    expect(await digestFile(fixture('videos/car-detection.mp4'))).toEqual({ sha256: s.sha256, size: s.size });
  });
});

describe('catalogue validation rejects', () => {
  const rejects = async (edit: (raw: any) => void, message: RegExp) => {
    await expect(parseEdited(edit)).rejects.toThrow(message);
    await expect(parseEdited(edit)).rejects.toBeInstanceOf(CatalogueError);
  };

  it('accepts the unedited catalogue (control)', async () => {
    await expect(parseEdited(() => {})).resolves.toBeTruthy();
  });
  it('a duplicate id', () => rejects((r) => r.models.push({ ...r.models[0] }), /duplicate id darknet-tiny/));
  it('a default that is not a model', () => rejects((r) => { r.default = 'nope'; }, /default: nope is not a model id/));
  it('a malformed sha256', () => rejects((r) => { r.models[0].source.files[0].sha256 = 'ABC'; }, /files\[0\]\.sha256/));
  it('verified: true with a missing sha256', () => rejects((r) => {
    r.models[0].source.files[1].sha256 = null;
    r.models[0].source.files[1].size = null;
  }, /verified: true, but some file has no sha256/));
  it('verified: false when every sha256 is known', () => rejects((r) => { r.models[0].verified = false; }, /verified: false, but every file/));
  it('a sha256 without a size', () => rejects((r) => { r.models[0].source.files[1].size = null; }, /both be known/));
  it('a path escaping the model folder', () => rejects((r) => { r.models[0].source.files[1].path = '../evil'; }, /unsafe or invalid path/));
  it('an unknown format', () => rejects((r) => { r.models[0].format = 'pytorch'; }, /format: expected one of/));
  it('an unknown output kind', () => rejects((r) => { r.models[0].outputs = 'probabilities'; }, /outputs: expected one of/));
  it('a missing required field', () => rejects((r) => { delete r.models[0].defaultLayer; }, /defaultLayer: expected a non-empty string/));
  it('a misspelt field', () => rejects((r) => { r.models[0].preprocessing.sclae = 1; }, /unknown field "sclae"/));
  it('a labels file that is not among the files', () => rejects((r) => { r.models[0].labels.file = 'classes.json'; }, /labels\.file: classes\.json is not among/));
  it('an unknown shared label set', () => rejects((r) => { r.models[2].labels.shared = 'coco'; }, /unknown label set "coco"/));
  it('a bad input size', () => rejects((r) => { r.models[0].inputSize = [224]; }, /inputSize: expected \[height, width\]/));
  it('a zero scale', () => rejects((r) => { r.models[0].preprocessing.scale = 0; }, /scale: must not be 0/));
  it('a download source without URLs', () => rejects((r) => { delete r.models[0].source.baseUrl; }, /no baseUrl and no url for model\.json/));
  it('a non-http URL', () => rejects((r) => { r.models[0].source.baseUrl = 'ftp://example.org/x/'; }, /expected an http\(s\) URL/));
  it('a baseUrl without trailing slash', () => rejects((r) => { r.models[0].source.baseUrl = 'https://example.org/x'; }, /must end with '\/'/));
  it('an unknown version', () => rejects((r) => { r.version = 2; }, /version: expected 1/));
});

describe('readCatalogue', () => {
  it('reports a missing file and bad JSON clearly', async () => {
    await expect(readCatalogue('/nonexistent/catalogue.json')).rejects.toThrow(/cannot read the model catalogue \/nonexistent\/catalogue\.json/);
  });
});

describe('helpers', () => {
  it('isSafeRelativePath', () => {
    for (const ok of ['model.json', 'group1-shard1of1', 'weights/a.bin', '_x']) expect(isSafeRelativePath(ok), ok).toBe(true);
    for (const bad of ['', '..', '../a', 'a/../b', '/abs', 'a//b', 'a\\b', '.hidden', 'C:x', 'a b']) expect(isSafeRelativePath(bad), bad).toBe(false);
  });

  it('manifestWeightPaths lists each path once and refuses unsafe ones', () => {
    expect(manifestWeightPaths({ weightsManifest: [{ paths: ['a.bin', 'b.bin'] }, { paths: ['b.bin', 'c.bin'] }] })).toEqual(['a.bin', 'b.bin', 'c.bin']);
    expect(() => manifestWeightPaths({ weightsManifest: [{ paths: ['../../etc/passwd'] }] })).toThrow(/unsafe weight path/);
    expect(() => manifestWeightPaths({ modelTopology: {} })).toThrow(/no weightsManifest/);
  });

  it('jsStringArrayToJson handles quotes and comments, and refuses code', () => {
    expect(jsStringArrayToJson(`export default [\n  'it\\'s', "say \\"hi\\"", // c\n  /* x */ "café",\n];`)).toBe('[\n"it\'s",\n"say \\"hi\\"",\n"caf\\u00e9"\n]');
    expect(() => jsStringArrayToJson('export default [ "a", fetch("x") ]')).toThrow(/unexpected text/);
    expect(() => jsStringArrayToJson('export default {}')).toThrow(/no array/);
  });
});
