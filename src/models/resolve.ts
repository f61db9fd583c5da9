// Model resolution: turns what the user typed after --model (a catalogue id, a folder, a model.json,
// a .onnx file or a file:// URL) into a folder on disk, in this order for catalogue ids:
//   1. the cache (every file's sha256 checked; a copy failing the check is reported and fetched again),
//   2. the offline mirror L2CAF_MODEL_MIRROR/<id>/ (checked, used in place, never copied),
//   3. a download into a temp folder, verified, then renamed into the cache in one step.
// Files without a recorded sha256 are only accepted with allowUnverified, and their computed sha256
// is printed so that it can be added to the catalogue.
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Catalogue,
  type CatalogueEntry,
  CatalogueError,
  findEntry,
  labelsFileName,
  loadCatalogue,
  manifestFileUrl,
  manifestWeightPaths,
  type PlannedFile,
  plannedFiles,
} from './catalogue.js';
import {
  checkFolder,
  describeProblems,
  type ExpectedFile,
  type FileRecord,
  installFolder,
  isDirectory,
  readInstallRecord,
  removeStaleTemps,
  TEMP_PREFIX,
  writeInstallRecord,
} from './cache.js';
import { abortedError, applyTransform, downloadFile, type DownloadProgress } from './download.js';
import { defaultCacheDir, mirrorDirFromEnv } from './paths.js';
import { ModelResolveError, offlineHint } from './resolve-errors.js';
import { makeDirs } from '../fs/makeDirs.js';

export { ModelResolveError, type ResolveErrorCode } from './resolve-errors.js';
export type { DownloadProgress } from './download.js';

export type ModelSourceKind = 'path' | 'cache' | 'mirror' | 'download';

export interface ResolveOptions {
  /** Default: env L2CAF_CACHE_DIR, else the platform's cache folder (see defaultCacheDir). */
  cacheDir?: string;
  /**
   * Folder holding `<id>/` model folders. undefined: env L2CAF_MODEL_MIRROR (relative to the current
   * directory); null: no mirror. A relative path resolves against the current directory.
   */
  mirror?: string | null;
  /** Default true, false when env L2CAF_OFFLINE is '1'. */
  allowDownload?: boolean;
  /** Accept files that have no sha256 in the catalogue (their computed sha256 is logged). */
  allowUnverified?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Default: the bundled models/catalogue.json. */
  catalogue?: Catalogue;
  /** Reports that are not errors (a cache copy failed its check, computed sha256s). Default: stderr. */
  log?: (message: string) => void;
  /** Parallel downloads (default 4). */
  concurrency?: number;
}

export interface ResolvedModel {
  /** The model folder (absolute). */
  dir: string;
  /** The catalogue entry; null for a user-given path. */
  entry: CatalogueEntry | null;
  source: ModelSourceKind;
  /** The file to load (model.json or .onnx) when known; null when a user folder holds neither. */
  modelFile: string | null;
  /** The label file when known (labels.json / labels.txt for user folders). */
  labelsFile: string | null;
  /** True when every file was checked against a sha256 recorded in the catalogue. */
  verified: boolean;
  /** sha256 computed for files the catalogue has no sha256 for (this call only). */
  computed: FileRecord[];
}

const defaultLog = (m: string): void => {
  process.stderr.write(`l2caf: ${m}\n`);
};

/**
 * Resolves a model. `idOrPath` undefined or '' means the catalogue's default model.
 * A catalogue id wins over a same-named folder in the working directory (write `./name` for the
 * folder); anything containing a path separator, starting with '.', '~' or '/', ending in .json or
 * .onnx, or a file:// URL is a path and is used as it is (entry null, no checks).
 * Throws ModelResolveError (code says which failure) with a one-line message saying what to do.
 */
export async function resolveModel(idOrPath: string | undefined, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const cat = opts.catalogue ?? (await loadCatalogue());
  const arg = idOrPath?.trim() || cat.default;

  if (arg.startsWith('file:')) {
    let p: string;
    try {
      p = fileURLToPath(arg);
    } catch (e) {
      throw new ModelResolveError('NOT_FOUND', `invalid file URL ${arg}: ${(e as Error).message}`, { cause: e });
    }
    return resolveUserPath(p, arg);
  }
  const entry = findEntry(cat, arg);
  if (entry && !looksLikePath(arg)) return resolveEntry(cat, entry, opts);
  const p = expandHome(arg);
  if (looksLikePath(arg) || (await pathExists(p))) return resolveUserPath(p, arg);
  throw new ModelResolveError(
    'UNKNOWN_MODEL',
    `unknown model "${arg}": known models are ${cat.models.map((m) => m.id).join(', ')} (or pass a folder holding model.json or a .onnx file)`,
  );
}

/** A catalogue id never contains a separator, so anything with one (or a model file name) is a path. */
function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || s.startsWith('.') || s.startsWith('~') || path.isAbsolute(s) || /\.(json|onnx)$/i.test(s);
}

function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
  return p;
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function resolveUserPath(p: string, original: string): Promise<ResolvedModel> {
  const abs = path.resolve(p);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new ModelResolveError('NOT_FOUND', `no such model folder or file: ${original} (expected a catalogue id, a folder holding model.json or a .onnx file, or such a file)`);
  }
  const base = { entry: null, source: 'path' as const, verified: false, computed: [] };
  if (st.isDirectory()) {
    const names = await readdir(abs);
    const onnx = names.filter((n) => n.toLowerCase().endsWith('.onnx'));
    const modelFile = names.includes('model.json') ? 'model.json' : onnx.length === 1 ? onnx[0]! : null;
    const labels = ['labels.json', 'labels.txt'].find((n) => names.includes(n)) ?? null;
    return { ...base, dir: abs, modelFile: modelFile && path.join(abs, modelFile), labelsFile: labels && path.join(abs, labels) };
  }
  if (st.isFile() && /\.(json|onnx)$/i.test(abs)) {
    const dir = path.dirname(abs);
    const names = await readdir(dir);
    const labels = ['labels.json', 'labels.txt'].find((n) => names.includes(n) && path.join(dir, n) !== abs) ?? null;
    return { ...base, dir, modelFile: abs, labelsFile: labels && path.join(dir, labels) };
  }
  throw new ModelResolveError('NOT_FOUND', `${original} is not a model: expected a folder, a TF.js model.json or a .onnx file`);
}

// ---------------------------------------------------------------------------------------------
// catalogue entries

function hasUnverifiedFiles(cat: Catalogue, entry: CatalogueEntry): boolean {
  return Boolean(entry.source.weightsFromManifest) || plannedFiles(cat, entry).some((f) => f.sha256 === null);
}

function resultFor(cat: Catalogue, entry: CatalogueEntry, dir: string, source: ModelSourceKind, verified: boolean, computed: FileRecord[]): ResolvedModel {
  return {
    dir,
    entry,
    source,
    modelFile: path.join(dir, entry.modelFile),
    labelsFile: path.join(dir, labelsFileName(cat, entry)),
    verified,
    computed,
  };
}

async function resolveEntry(cat: Catalogue, entry: CatalogueEntry, opts: ResolveOptions): Promise<ResolvedModel> {
  const log = opts.log ?? defaultLog;
  const { signal } = opts;
  const id = entry.id;
  if (signal?.aborted) throw abortedError(id, signal.reason);
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  const target = path.join(cacheDir, id);
  const unverified = hasUnverifiedFiles(cat, entry);

  // 1. cache
  let staleCache = false;
  if (await isDirectory(target)) {
    const check = await guard(id, signal, () => checkCached(cat, entry, target, signal));
    if (check.problems.length === 0) return resultFor(cat, entry, target, 'cache', !unverified, []);
    staleCache = true;
    log(`cached copy of ${id} failed its check (${describeProblems(check.problems)}): fetching it again`);
  }

  // 2. mirror
  const mirror = opts.mirror === undefined ? mirrorDirFromEnv() : opts.mirror === null ? null : path.resolve(opts.mirror);
  if (mirror !== null && (await isDirectory(path.join(mirror, id)))) {
    const dir = path.join(mirror, id);
    if (unverified && !opts.allowUnverified) {
      throw new ModelResolveError('UNVERIFIED', `the mirror copy ${dir} cannot be verified: the catalogue has no sha256 for some files of ${id}; pass allowUnverified (--allow-unverified) to use it anyway`, { model: id });
    }
    const check = await guard(id, signal, () => checkMirror(cat, entry, dir, signal));
    if (check.problems.length > 0) {
      const first = check.problems[0]!;
      throw new ModelResolveError('INTEGRITY', `mirror copy of ${id} rejected: ${describeProblems(check.problems)} (in ${dir}); replace the file from the original source or remove ${dir}`, { file: first.file });
    }
    if (check.computed.length) logComputed(log, id, 'using the mirror copy', check.computed);
    return resultFor(cat, entry, dir, 'mirror', !unverified, check.computed);
  }

  // 3. download
  const allowDownload = opts.allowDownload ?? process.env.L2CAF_OFFLINE !== '1';
  const where = mirror === null ? 'L2CAF_MODEL_MIRROR is not set' : `no ${id}/ in the mirror ${mirror}`;
  if (entry.source.kind === 'mirror-only') {
    throw new ModelResolveError('MIRROR_ONLY', `${id} has no public download (${staleCache ? 'its cached copy is damaged' : 'not cached'}, ${where}): put a copy in L2CAF_MODEL_MIRROR/${id}/ or pass --model DIR`, { model: id });
  }
  if (!allowDownload) {
    throw new ModelResolveError('OFFLINE', `${id} is not available offline (${staleCache ? 'its cached copy is damaged' : 'not cached'}, ${where}, downloads disabled): ${offlineHint(id)}`, { model: id });
  }
  if (unverified && !opts.allowUnverified) {
    throw new ModelResolveError('UNVERIFIED', `refusing to install ${id}: the catalogue has no sha256 for its files yet (${unverifiedNames(cat, entry)}); pass allowUnverified (--allow-unverified) to download it anyway and print the sha256 values to record in models/catalogue.json`, { model: id });
  }
  const { computed } = await downloadEntry(cat, entry, cacheDir, target, staleCache, opts);
  if (computed.length) logComputed(log, id, 'installed WITHOUT verification', computed);
  return resultFor(cat, entry, target, 'download', !unverified, computed);
}

function unverifiedNames(cat: Catalogue, entry: CatalogueEntry): string {
  const names = plannedFiles(cat, entry).filter((f) => f.sha256 === null).map((f) => f.path);
  if (entry.source.weightsFromManifest) names.push('the weight files model.json lists');
  return names.join(', ');
}

function logComputed(log: (m: string) => void, id: string, what: string, files: readonly FileRecord[]): void {
  log(`${id}: ${what} (no sha256 in the catalogue); computed values to record in models/catalogue.json:`);
  for (const f of files) log(`  {"path": ${JSON.stringify(f.path)}, "sha256": "${f.sha256}", "size": ${f.size}}`);
}

/** Maps an abort during a check to ABORTED and other I/O failures to IO. */
async function guard<T>(id: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ModelResolveError) throw e;
    if (signal?.aborted) throw abortedError(id, signal.reason);
    if (e instanceof CatalogueError) throw new ModelResolveError('INTEGRITY', `${id}: ${e.message}`, { cause: e });
    throw new ModelResolveError('IO', `${id}: ${(e as Error).message}`, { cause: e });
  }
}

/** Manifest weight paths of a folder's model.json (only for weightsFromManifest entries). */
async function manifestPaths(entry: CatalogueEntry, dir: string): Promise<string[]> {
  const file = path.join(dir, entry.modelFile);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new CatalogueError(`${entry.modelFile} is not readable JSON: ${(e as Error).message}`);
  }
  return manifestWeightPaths(json, entry.modelFile);
}

/**
 * Cached folder: files with a catalogue sha256 are checked against it; the others against the
 * install record written when they were downloaded (with allowUnverified).
 */
async function checkCached(cat: Catalogue, entry: CatalogueEntry, dir: string, signal?: AbortSignal) {
  const planned = plannedFiles(cat, entry);
  const needRecord = hasUnverifiedFiles(cat, entry);
  const record = needRecord ? await readInstallRecord(dir) : null;
  if (needRecord && (!record || record.id !== entry.id)) {
    return { problems: [{ file: '.l2caf-install.json', reason: 'missing install record' }], computed: [] };
  }
  const fromRecord = (p: string): ExpectedFile | null => {
    const r = record?.files.find((f) => f.path === p);
    return r ? { path: p, sha256: r.sha256, size: r.size } : null;
  };
  const expected: ExpectedFile[] = [];
  for (const f of planned) {
    if (f.sha256 !== null) expected.push({ path: f.path, sha256: f.sha256, size: f.size });
    else {
      const r = fromRecord(f.path);
      if (!r) return { problems: [{ file: f.path, reason: 'not in the install record' }], computed: [] };
      expected.push(r);
    }
  }
  const first = await checkFolder(dir, expected, signal);
  if (first.problems.length || !entry.source.weightsFromManifest) return first;
  // model.json is intact: now its weight files.
  let paths: string[];
  try {
    paths = await manifestPaths(entry, dir);
  } catch (e) {
    return { problems: [{ file: entry.modelFile, reason: (e as Error).message }], computed: [] };
  }
  const weights: ExpectedFile[] = [];
  for (const p of paths) {
    if (expected.some((e) => e.path === p)) continue;
    const r = fromRecord(p);
    if (!r) return { problems: [{ file: p, reason: 'not in the install record' }], computed: [] };
    weights.push(r);
  }
  return checkFolder(dir, weights, signal);
}

/** Mirror folder: catalogue sha256 where known, computed digests for the rest. */
async function checkMirror(cat: Catalogue, entry: CatalogueEntry, dir: string, signal?: AbortSignal) {
  const planned = plannedFiles(cat, entry);
  const first = await checkFolder(dir, planned.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })), signal);
  if (first.problems.length || !entry.source.weightsFromManifest) return first;
  const weights = (await manifestPaths(entry, dir))
    .filter((p) => !planned.some((f) => f.path === p))
    .map((p) => ({ path: p, sha256: null, size: null }));
  const second = await checkFolder(dir, weights, signal);
  return { problems: second.problems, computed: [...first.computed, ...second.computed] };
}

// ---------------------------------------------------------------------------------------------
// download

async function downloadEntry(cat: Catalogue, entry: CatalogueEntry, cacheDir: string, target: string, replace: boolean, opts: ResolveOptions): Promise<{ computed: FileRecord[] }> {
  const id = entry.id;
  try {
    await makeDirs(cacheDir);
  } catch (e) {
    throw new ModelResolveError('IO', `cannot create the model cache ${cacheDir}: ${(e as Error).message} (set L2CAF_CACHE_DIR to a writable folder)`, { cause: e });
  }
  await removeStaleTemps(cacheDir);
  const tmp = await mkdtemp(path.join(cacheDir, `${TEMP_PREFIX}${id}-`));
  // One controller for this install: the caller's signal, or the first failure, stops every transfer.
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const records: FileRecord[] = [];
    const planned = plannedFiles(cat, entry);
    // Bytes of transformed files (a source that is converted) are not counted: their download size is unknown.
    const counted = planned.filter((f) => !f.transform);
    const knownTotal = counted.every((f) => f.size !== null) && !entry.source.weightsFromManifest ? counted.reduce((s, f) => s + f.size!, 0) : null;
    const state = { bytesDone: 0, filesDone: 0, filesTotal: planned.length };
    const fetchOne = async (f: PlannedFile): Promise<void> => {
      records.push(await fetchVerified(entry, f, tmp, ctl.signal, state, knownTotal, opts.onProgress));
    };

    let queue: PlannedFile[] = planned;
    if (entry.source.weightsFromManifest) {
      // model.json first: it names the weight files.
      const mj = planned.find((f) => f.path === entry.modelFile)!;
      await fetchOne(mj);
      const extra = manifestWeightPaths(JSON.parse(await readFile(path.join(tmp, mj.path), 'utf8')), mj.path)
        .filter((p) => !planned.some((f) => f.path === p))
        .map((p): PlannedFile => ({ path: p, sha256: null, size: null, url: manifestFileUrl(entry, p) }));
      state.filesTotal += extra.length;
      queue = [...planned.filter((f) => f !== mj), ...extra];
    }
    await runPool(queue, opts.concurrency ?? 4, fetchOne, ctl);

    await writeInstallRecord(tmp, { id, installedAt: new Date().toISOString(), files: records });
    if (!(await installFolder(tmp, target, replace))) {
      // Another process installed it meanwhile: use theirs if it checks out.
      const check = await checkCached(cat, entry, target, ctl.signal);
      if (check.problems.length) throw new ModelResolveError('IO', `cannot install ${id} into ${target}: the folder exists and fails its check (${describeProblems(check.problems)})`);
      await rm(tmp, { recursive: true, force: true });
    }
    return { computed: records.filter((r) => !r.verified) };
  } catch (e) {
    ctl.abort();
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    if (opts.signal?.aborted) throw abortedError(id, opts.signal.reason);
    if (e instanceof ModelResolveError) throw e;
    if (e instanceof CatalogueError) throw new ModelResolveError('INTEGRITY', `download of ${id} rejected: ${e.message}`, { cause: e });
    throw new ModelResolveError('IO', `cannot install ${id} into ${cacheDir}: ${(e as Error).message}`, { cause: e });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function fetchVerified(
  entry: CatalogueEntry,
  f: PlannedFile,
  tmp: string,
  signal: AbortSignal,
  state: { bytesDone: number; filesDone: number; filesTotal: number },
  bytesTotal: number | null,
  onProgress: ResolveOptions['onProgress'],
): Promise<FileRecord> {
  const id = entry.id;
  if (f.url === null) throw new ModelResolveError('MIRROR_ONLY', `${id}: no URL for ${f.path}`, { file: f.path });
  const dest = path.join(tmp, ...f.path.split('/'));
  await makeDirs(path.dirname(dest));
  const downloadTo = f.transform ? `${dest}.download` : dest;
  let fileBytes = 0;
  const digest = await downloadFile(f.url, downloadTo, {
    id,
    file: f.path,
    signal,
    // A transformed file's download has another size than the stored file.
    maxBytes: f.transform ? null : f.size,
    onBytes: (n) => {
      if (!f.transform) state.bytesDone += n - fileBytes;
      fileBytes = n;
      onProgress?.({ id, file: f.path, fileBytes: n, fileTotal: f.transform ? null : f.size, bytesDone: state.bytesDone, bytesTotal, filesDone: state.filesDone, filesTotal: state.filesTotal });
    },
  });
  let stored = digest;
  if (f.transform) {
    try {
      stored = await applyTransform(f.transform, downloadTo, dest);
    } catch (e) {
      throw new ModelResolveError('INTEGRITY', `download of ${id} rejected: ${f.path} could not be derived from ${f.url}: ${(e as Error).message}`, { file: f.path, url: f.url, cause: e });
    }
  }
  if (f.sha256 !== null && (stored.sha256 !== f.sha256 || (f.size !== null && stored.size !== f.size))) {
    throw new ModelResolveError(
      'INTEGRITY',
      `download of ${id} rejected: ${f.path} from ${f.url} has sha256 ${stored.sha256} (${stored.size} bytes), the catalogue expects ${f.sha256} (${f.size} bytes); nothing was installed`,
      { file: f.path, url: f.url },
    );
  }
  state.filesDone += 1;
  onProgress?.({ id, file: f.path, fileBytes, fileTotal: f.transform ? null : f.size, bytesDone: state.bytesDone, bytesTotal, filesDone: state.filesDone, filesTotal: state.filesTotal });
  return { path: f.path, sha256: stored.sha256, size: stored.size, verified: f.sha256 !== null };
}

/** Runs `fn` over `items` with at most `n` in flight; the first failure aborts `ctl` and is rethrown once all settled. */
async function runPool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>, ctl: AbortController): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        if (failure === null) failure = e;
        ctl.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  if (failure !== null) throw failure;
}
