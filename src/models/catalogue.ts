// The model catalogue (models/catalogue.json): typed, validated on load. Validation is strict and
// names the offending field, because a wrong sha256, input size or label offset here silently
// produces wrong attention maps later.
import { readFile } from 'node:fs/promises';
import { bundledCataloguePath } from './paths.js';
import { SHA256_RE } from './sha256.js';

export type ModelFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';
export type OutputKind = 'softmax-probabilities' | 'logits' | 'embedding';
export type ChannelOrder = 'rgb' | 'bgr';
export type InputLayout = 'NHWC' | 'NCHW';
/** How a downloaded file is turned into the stored one (the sha256 is that of the stored file). */
export type FileTransform = 'js-string-array-to-json';

export const MODEL_FORMATS: readonly ModelFormat[] = ['tfjs-layers', 'tfjs-graph', 'onnx'];
export const OUTPUT_KINDS: readonly OutputKind[] = ['softmax-probabilities', 'logits', 'embedding'];
export const FILE_TRANSFORMS: readonly FileTransform[] = ['js-string-array-to-json'];

/** One file of a model folder. sha256/size null = not known (unverified). */
export interface CatalogueFile {
  /** Path inside the model folder (forward slashes, no `..`). */
  path: string;
  sha256: string | null;
  size: number | null;
  /** Absolute URL for this file, overriding `source.baseUrl + path`. */
  url?: string;
  /** The download is converted before storing (sha256/size are those of the converted file). */
  transform?: FileTransform;
}

export interface ModelSource {
  /** 'download': fetchable from baseUrl (or per-file urls); 'mirror-only': no public URL. */
  kind: 'download' | 'mirror-only';
  homepage?: string;
  /** Ends with '/'; file URLs are baseUrl + path + query. */
  baseUrl?: string;
  /** Appended to every baseUrl-relative file URL (e.g. '?tfjs-format=file' for TF Hub). */
  query?: string;
  files: CatalogueFile[];
  /**
   * The weight files are the ones model.json's weightsManifest names (their sha256 is unknown):
   * they are fetched after model.json. Such an entry is never `verified`.
   */
  weightsFromManifest?: boolean;
  notes?: string;
}

/** y = ((x * scale + offset) - mean[c]) / std[c], x the 0..255 pixel value. */
export interface Preprocessing {
  scale: number;
  offset: number;
  channelOrder: ChannelOrder;
  mean?: [number, number, number];
  std?: [number, number, number];
}

export interface LabelsUpstream {
  url: string;
  kind: 'js-module' | 'json' | 'text';
  notes?: string;
}

/** Labels stored as a file in the model folder. */
export interface FileLabels {
  file: string;
  format: 'json-array' | 'lines';
  count: number;
  /**
   * Output index i is label i - offset; outputs below `offset` are extra classes (TF-Slim's
   * 'background' at index 0 when offset is 1).
   */
  offset: number;
  /** e.g. 'darknet' or 'ilsvrc2012': which class order the outputs use. */
  order?: string;
  upstream?: LabelsUpstream;
}

/** Labels from a shared list in `labelSets`; the resolver puts its file in the model folder. */
export interface SharedLabels {
  shared: string;
  offset: number;
}

export type LabelsSpec = FileLabels | SharedLabels;

export interface CatalogueEntry {
  id: string;
  name: string;
  format: ModelFormat;
  licence: string;
  /** True only when every file has a recorded sha256 and size. */
  verified: boolean;
  source: ModelSource;
  /** The file to load: model.json for TF.js, the .onnx file for ONNX. */
  modelFile: string;
  /** [height, width] */
  inputSize: [number, number];
  inputLayout: InputLayout;
  inputName?: string;
  outputName?: string;
  preprocessing: Preprocessing;
  labels: LabelsSpec;
  defaultLayer: string;
  outputs: OutputKind;
  notes: string;
}

export interface LabelSet {
  name: string;
  format: 'json-array' | 'lines';
  count: number;
  /** `file.path` is the name it gets inside a model folder. */
  file: CatalogueFile & { url: string };
  licence: string;
  notes?: string;
}

export interface Sample {
  id: string;
  name: string;
  kind: 'video' | 'image' | 'volume';
  file: string;
  url: string;
  homepage?: string;
  sha256: string;
  size: number;
  licence: string;
  attribution?: string;
  notes?: string;
}

export interface Catalogue {
  version: 1;
  default: string;
  labelSets: Record<string, LabelSet>;
  models: CatalogueEntry[];
  samples: Sample[];
  /** Where it was read from (file path or a caller's label), for error messages. */
  origin: string;
}

export class CatalogueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogueError';
  }
}

// ---------------------------------------------------------------------------------------------
// validation

const ID_RE = /^[a-z0-9][a-z0-9._-]*$/;
const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** A path inside a model folder: relative, forward slashes, no '.'/'..' segments, no oddities. */
export function isSafeRelativePath(p: string): boolean {
  if (typeof p !== 'string' || p.length === 0 || p.length > 255) return false;
  return p.split('/').every((s) => SEGMENT_RE.test(s) && s !== '.' && s !== '..');
}

class Checker {
  constructor(private readonly origin: string) {}

  fail(where: string, what: string): never {
    throw new CatalogueError(`catalogue ${this.origin}: ${where}: ${what}`);
  }
  obj(v: unknown, where: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(where, 'expected an object');
    return v as Record<string, unknown>;
  }
  /** Rejects keys other than `allowed` (and '$comment'-style keys), so that a typo is not ignored. */
  keys(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
    for (const k of Object.keys(o)) {
      if (!k.startsWith('$') && !allowed.includes(k)) this.fail(where, `unknown field ${JSON.stringify(k)} (allowed: ${allowed.join(', ')})`);
    }
  }
  arr(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v)) this.fail(where, 'expected an array');
    return v;
  }
  str(v: unknown, where: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(where, 'expected a non-empty string');
    return v;
  }
  optStr(v: unknown, where: string): string | undefined {
    return v === undefined ? undefined : this.str(v, where);
  }
  num(v: unknown, where: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(where, 'expected a finite number');
    return v;
  }
  int(v: unknown, where: string, min = 0): number {
    const n = this.num(v, where);
    if (!Number.isInteger(n) || n < min) this.fail(where, `expected an integer >= ${min}`);
    return n;
  }
  bool(v: unknown, where: string): boolean {
    if (typeof v !== 'boolean') this.fail(where, 'expected true or false');
    return v;
  }
  oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(where, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }
  url(v: unknown, where: string): string {
    const s = this.str(v, where);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      this.fail(where, `not a URL: ${s}`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') this.fail(where, `expected an http(s) URL: ${s}`);
    return s;
  }
  sha(v: unknown, where: string): string | null {
    if (v === null) return null;
    if (typeof v !== 'string' || !SHA256_RE.test(v)) this.fail(where, 'expected null or 64 lower-case hex digits');
    return v;
  }
  triple(v: unknown, where: string, positive = false): [number, number, number] {
    const a = this.arr(v, where);
    if (a.length !== 3) this.fail(where, 'expected 3 numbers (one per channel)');
    const t = a.map((x, i) => this.num(x, `${where}[${i}]`)) as [number, number, number];
    if (positive && t.some((x) => x <= 0)) this.fail(where, 'expected positive numbers');
    return t;
  }
  file(v: unknown, where: string): CatalogueFile {
    const o = this.obj(v, where);
    this.keys(o, ['path', 'sha256', 'size', 'url', 'transform'], where);
    const path = this.str(o.path, `${where}.path`);
    if (!isSafeRelativePath(path)) this.fail(`${where}.path`, `unsafe or invalid path ${JSON.stringify(path)}`);
    const sha256 = this.sha(o.sha256, `${where}.sha256`);
    const size = o.size === null ? null : this.int(o.size, `${where}.size`);
    if ((sha256 === null) !== (size === null)) this.fail(where, 'sha256 and size must both be known or both be null');
    const f: CatalogueFile = { path, sha256, size };
    if (o.url !== undefined) f.url = this.url(o.url, `${where}.url`);
    if (o.transform !== undefined) {
      f.transform = this.oneOf(o.transform, FILE_TRANSFORMS, `${where}.transform`);
      if (f.url === undefined) this.fail(where, 'a transformed file needs its own url');
      if (sha256 === null) this.fail(where, 'a transformed file needs a sha256 of its result');
    }
    return f;
  }
}

function parseEntry(c: Checker, v: unknown, where: string, labelSets: Record<string, LabelSet>): CatalogueEntry {
  const o = c.obj(v, where);
  const id = c.str(o.id, `${where}.id`);
  if (!ID_RE.test(id)) c.fail(`${where}.id`, `invalid id ${JSON.stringify(id)} (lower-case letters, digits, . _ -)`);
  where = `models[${id}]`;
  c.keys(o, ['id', 'name', 'format', 'licence', 'verified', 'source', 'modelFile', 'inputSize', 'inputLayout', 'inputName', 'outputName', 'preprocessing', 'labels', 'defaultLayer', 'outputs', 'notes'], where);
  const format = c.oneOf(o.format, MODEL_FORMATS, `${where}.format`);

  const so = c.obj(o.source, `${where}.source`);
  c.keys(so, ['kind', 'homepage', 'baseUrl', 'query', 'files', 'weightsFromManifest', 'notes'], `${where}.source`);
  const kind = c.oneOf(so.kind, ['download', 'mirror-only'] as const, `${where}.source.kind`);
  const files = c.arr(so.files, `${where}.source.files`).map((f, i) => c.file(f, `${where}.source.files[${i}]`));
  if (files.length === 0) c.fail(`${where}.source.files`, 'no files');
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) c.fail(`${where}.source.files`, `duplicate file ${f.path}`);
    seen.add(f.path);
  }
  const source: ModelSource = { kind, files };
  if (so.homepage !== undefined) source.homepage = c.url(so.homepage, `${where}.source.homepage`);
  if (so.baseUrl !== undefined) {
    source.baseUrl = c.url(so.baseUrl, `${where}.source.baseUrl`);
    if (!source.baseUrl.endsWith('/')) c.fail(`${where}.source.baseUrl`, "must end with '/'");
  }
  if (so.query !== undefined) {
    source.query = c.str(so.query, `${where}.source.query`);
    if (!source.query.startsWith('?')) c.fail(`${where}.source.query`, "must start with '?'");
  }
  if (so.weightsFromManifest !== undefined) source.weightsFromManifest = c.bool(so.weightsFromManifest, `${where}.source.weightsFromManifest`);
  if (so.notes !== undefined) source.notes = c.str(so.notes, `${where}.source.notes`);
  if (kind === 'download') {
    for (const f of files) {
      if (f.url === undefined && source.baseUrl === undefined) c.fail(`${where}.source`, `no baseUrl and no url for ${f.path}`);
    }
  } else if (source.baseUrl !== undefined) {
    c.fail(`${where}.source`, "a 'mirror-only' source has no baseUrl");
  }
  if (source.weightsFromManifest && format === 'onnx') c.fail(`${where}.source.weightsFromManifest`, 'only for TF.js models');

  const verified = c.bool(o.verified, `${where}.verified`);
  const allKnown = files.every((f) => f.sha256 !== null) && !source.weightsFromManifest;
  if (verified !== allKnown) {
    c.fail(`${where}.verified`, verified
      ? 'true, but some file has no sha256 (or the weights come from the manifest)'
      : 'false, but every file has a sha256: set it to true');
  }

  const modelFile = o.modelFile === undefined ? (format === 'onnx' ? 'model.onnx' : 'model.json') : c.str(o.modelFile, `${where}.modelFile`);
  if (!seen.has(modelFile)) c.fail(`${where}.modelFile`, `${modelFile} is not among the source files`);
  if (format !== 'onnx' && !modelFile.endsWith('.json')) c.fail(`${where}.modelFile`, 'a TF.js model file is a .json');
  if (format === 'onnx' && !modelFile.endsWith('.onnx')) c.fail(`${where}.modelFile`, 'an ONNX model file is a .onnx');

  const size = c.arr(o.inputSize, `${where}.inputSize`);
  if (size.length !== 2) c.fail(`${where}.inputSize`, 'expected [height, width]');
  const inputSize = [c.int(size[0], `${where}.inputSize[0]`, 1), c.int(size[1], `${where}.inputSize[1]`, 1)] as [number, number];
  const inputLayout = o.inputLayout === undefined ? (format === 'onnx' ? 'NCHW' : 'NHWC') : c.oneOf(o.inputLayout, ['NHWC', 'NCHW'] as const, `${where}.inputLayout`);

  const po = c.obj(o.preprocessing, `${where}.preprocessing`);
  c.keys(po, ['scale', 'offset', 'channelOrder', 'mean', 'std'], `${where}.preprocessing`);
  const preprocessing: Preprocessing = {
    scale: c.num(po.scale, `${where}.preprocessing.scale`),
    offset: c.num(po.offset, `${where}.preprocessing.offset`),
    channelOrder: c.oneOf(po.channelOrder, ['rgb', 'bgr'] as const, `${where}.preprocessing.channelOrder`),
  };
  if (preprocessing.scale === 0) c.fail(`${where}.preprocessing.scale`, 'must not be 0');
  if (po.mean !== undefined) preprocessing.mean = c.triple(po.mean, `${where}.preprocessing.mean`);
  if (po.std !== undefined) preprocessing.std = c.triple(po.std, `${where}.preprocessing.std`, true);

  const lo = c.obj(o.labels, `${where}.labels`);
  let labels: LabelsSpec;
  if (lo.shared !== undefined) {
    c.keys(lo, ['shared', 'offset'], `${where}.labels`);
    const shared = c.str(lo.shared, `${where}.labels.shared`);
    const set = labelSets[shared];
    if (!set) c.fail(`${where}.labels.shared`, `unknown label set ${JSON.stringify(shared)}`);
    if (seen.has(set.file.path)) c.fail(`${where}.labels.shared`, `the label set's file ${set.file.path} clashes with a model file`);
    labels = { shared, offset: c.int(lo.offset, `${where}.labels.offset`) };
  } else {
    c.keys(lo, ['file', 'format', 'count', 'offset', 'order', 'upstream'], `${where}.labels`);
    const file = c.str(lo.file, `${where}.labels.file`);
    if (!seen.has(file)) c.fail(`${where}.labels.file`, `${file} is not among the source files`);
    const fl: FileLabels = {
      file,
      format: c.oneOf(lo.format, ['json-array', 'lines'] as const, `${where}.labels.format`),
      count: c.int(lo.count, `${where}.labels.count`, 1),
      offset: c.int(lo.offset, `${where}.labels.offset`),
    };
    if (lo.order !== undefined) fl.order = c.str(lo.order, `${where}.labels.order`);
    if (lo.upstream !== undefined) {
      const uo = c.obj(lo.upstream, `${where}.labels.upstream`);
      c.keys(uo, ['url', 'kind', 'notes'], `${where}.labels.upstream`);
      fl.upstream = {
        url: c.url(uo.url, `${where}.labels.upstream.url`),
        kind: c.oneOf(uo.kind, ['js-module', 'json', 'text'] as const, `${where}.labels.upstream.kind`),
      };
      if (uo.notes !== undefined) fl.upstream.notes = c.str(uo.notes, `${where}.labels.upstream.notes`);
    }
    labels = fl;
  }

  const entry: CatalogueEntry = {
    id,
    name: c.str(o.name, `${where}.name`),
    format,
    licence: c.str(o.licence, `${where}.licence`),
    verified,
    source,
    modelFile,
    inputSize,
    inputLayout,
    preprocessing,
    labels,
    defaultLayer: c.str(o.defaultLayer, `${where}.defaultLayer`),
    outputs: c.oneOf(o.outputs, OUTPUT_KINDS, `${where}.outputs`),
    notes: c.str(o.notes, `${where}.notes`),
  };
  const inputName = c.optStr(o.inputName, `${where}.inputName`);
  if (inputName !== undefined) entry.inputName = inputName;
  const outputName = c.optStr(o.outputName, `${where}.outputName`);
  if (outputName !== undefined) entry.outputName = outputName;
  return entry;
}

function parseLabelSet(c: Checker, v: unknown, where: string): LabelSet {
  const o = c.obj(v, where);
  c.keys(o, ['name', 'format', 'count', 'file', 'licence', 'notes'], where);
  const file = c.file(o.file, `${where}.file`);
  if (file.url === undefined) c.fail(`${where}.file.url`, 'a shared label set needs a url');
  if (file.sha256 === null) c.fail(`${where}.file.sha256`, 'a shared label set needs a sha256');
  if (file.transform !== undefined) c.fail(`${where}.file.transform`, 'not supported for label sets');
  const set: LabelSet = {
    name: c.str(o.name, `${where}.name`),
    format: c.oneOf(o.format, ['json-array', 'lines'] as const, `${where}.format`),
    count: c.int(o.count, `${where}.count`, 1),
    file: file as CatalogueFile & { url: string },
    licence: c.str(o.licence, `${where}.licence`),
  };
  if (o.notes !== undefined) set.notes = c.str(o.notes, `${where}.notes`);
  return set;
}

function parseSample(c: Checker, v: unknown, where: string): Sample {
  const o = c.obj(v, where);
  c.keys(o, ['id', 'name', 'kind', 'file', 'url', 'homepage', 'sha256', 'size', 'licence', 'attribution', 'notes'], where);
  const id = c.str(o.id, `${where}.id`);
  if (!ID_RE.test(id)) c.fail(`${where}.id`, `invalid id ${JSON.stringify(id)}`);
  const file = c.str(o.file, `${where}.file`);
  if (!isSafeRelativePath(file) || file.includes('/')) c.fail(`${where}.file`, 'expected a plain file name');
  const sha256 = c.sha(o.sha256, `${where}.sha256`);
  if (sha256 === null) c.fail(`${where}.sha256`, 'a sample needs a sha256');
  const s: Sample = {
    id,
    name: c.str(o.name, `${where}.name`),
    kind: c.oneOf(o.kind, ['video', 'image', 'volume'] as const, `${where}.kind`),
    file,
    url: c.url(o.url, `${where}.url`),
    sha256,
    size: c.int(o.size, `${where}.size`),
    licence: c.str(o.licence, `${where}.licence`),
  };
  if (o.homepage !== undefined) s.homepage = c.url(o.homepage, `${where}.homepage`);
  if (o.attribution !== undefined) s.attribution = c.str(o.attribution, `${where}.attribution`);
  if (o.notes !== undefined) s.notes = c.str(o.notes, `${where}.notes`);
  return s;
}

/** Validates parsed JSON and returns a typed catalogue; throws CatalogueError naming the bad field. */
export function parseCatalogue(json: unknown, origin = '(in memory)'): Catalogue {
  const c = new Checker(origin);
  const o = c.obj(json, 'top level');
  c.keys(o, ['version', 'default', 'labelSets', 'models', 'samples'], 'top level');
  if (o.version !== 1) c.fail('version', `expected 1, got ${JSON.stringify(o.version)}`);

  const labelSets: Record<string, LabelSet> = {};
  if (o.labelSets !== undefined) {
    for (const [k, v] of Object.entries(c.obj(o.labelSets, 'labelSets'))) {
      if (!ID_RE.test(k)) c.fail(`labelSets.${k}`, 'invalid label set id');
      labelSets[k] = parseLabelSet(c, v, `labelSets.${k}`);
    }
  }

  const models = c.arr(o.models, 'models').map((m, i) => parseEntry(c, m, `models[${i}]`, labelSets));
  if (models.length === 0) c.fail('models', 'empty');
  const ids = new Set<string>();
  for (const m of models) {
    if (ids.has(m.id)) c.fail('models', `duplicate id ${m.id}`);
    ids.add(m.id);
  }
  const def = c.str(o.default, 'default');
  if (!ids.has(def)) c.fail('default', `${def} is not a model id (known: ${[...ids].join(', ')})`);

  const samples = o.samples === undefined ? [] : c.arr(o.samples, 'samples').map((s, i) => parseSample(c, s, `samples[${i}]`));
  const sampleIds = new Set<string>();
  for (const s of samples) {
    if (sampleIds.has(s.id)) c.fail('samples', `duplicate id ${s.id}`);
    sampleIds.add(s.id);
  }
  return { version: 1, default: def, labelSets, models, samples, origin };
}

/** Reads and validates a catalogue file. */
export async function readCatalogue(file: string): Promise<Catalogue> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CatalogueError(`cannot read the model catalogue ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CatalogueError(`the model catalogue ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseCatalogue(json, file);
}

let bundled: Promise<Catalogue> | null = null;

/** The catalogue shipped with the package (models/catalogue.json), read once. */
export function loadCatalogue(): Promise<Catalogue> {
  if (!bundled) {
    bundled = readCatalogue(bundledCataloguePath());
    bundled.catch(() => { bundled = null; });
  }
  return bundled;
}

/** The entry with this id, or undefined. */
export function findEntry(cat: Catalogue, id: string): CatalogueEntry | undefined {
  return cat.models.find((m) => m.id === id);
}

/** The default entry. */
export function defaultEntry(cat: Catalogue): CatalogueEntry {
  return findEntry(cat, cat.default)!;
}

/** A file to place in a model folder, with the URL it is fetched from (null: mirror only). */
export interface PlannedFile extends Omit<CatalogueFile, 'url'> {
  url: string | null;
}

/**
 * Every file a complete model folder holds for this entry, with download URLs: the entry's files
 * plus, for shared labels, the label set's file. Weight files named by a manifest (weightsFromManifest)
 * are not included: they are only known once model.json is read (see manifestWeightPaths).
 */
export function plannedFiles(cat: Catalogue, entry: CatalogueEntry): PlannedFile[] {
  const { source } = entry;
  const out: PlannedFile[] = source.files.map((f) => ({
    ...f,
    url: f.url ?? (source.kind === 'download' && source.baseUrl ? source.baseUrl + encodePath(f.path) + (source.query ?? '') : null),
  }));
  if ('shared' in entry.labels) {
    const set = cat.labelSets[entry.labels.shared]!;
    out.push({ ...set.file, url: set.file.url });
  }
  return out;
}

/** URL of a manifest-listed weight file of an entry (baseUrl + path + query). */
export function manifestFileUrl(entry: CatalogueEntry, relPath: string): string | null {
  const s = entry.source;
  if (s.kind !== 'download' || !s.baseUrl) return null;
  return s.baseUrl + encodePath(relPath) + (s.query ?? '');
}

/** The label file of an entry inside its model folder. */
export function labelsFileName(cat: Catalogue, entry: CatalogueEntry): string {
  return 'shared' in entry.labels ? cat.labelSets[entry.labels.shared]!.file.path : entry.labels.file;
}

/**
 * The weight file paths a TF.js model.json lists (weightsManifest[].paths[]), checked to be safe
 * relative paths inside the model folder.
 */
export function manifestWeightPaths(modelJson: unknown, where = 'model.json'): string[] {
  const o = modelJson as { weightsManifest?: unknown };
  if (typeof o !== 'object' || o === null || !Array.isArray(o.weightsManifest)) {
    throw new CatalogueError(`${where}: no weightsManifest array`);
  }
  const paths: string[] = [];
  for (const group of o.weightsManifest as unknown[]) {
    const ps = (group as { paths?: unknown })?.paths;
    if (!Array.isArray(ps)) throw new CatalogueError(`${where}: a weightsManifest group has no paths`);
    for (const p of ps) {
      if (typeof p !== 'string' || !isSafeRelativePath(p)) {
        throw new CatalogueError(`${where}: unsafe weight path ${JSON.stringify(p)}`);
      }
      if (!paths.includes(p)) paths.push(p);
    }
  }
  return paths;
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}
