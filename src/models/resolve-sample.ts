// The catalogue's sample media (e.g. the Intel car-detection clip): cached under
// `<cacheDir>/_samples/<file>` (a name no model id can take), sha256-checked on every use, fetched
// into a temp file and renamed into place when missing or damaged. Offline, a folder named by env
// L2CAF_SAMPLE_MIRROR that holds the file (e.g. ../shared/fixtures/videos) is used in place, after
// the same check, as L2CAF_MODEL_MIRROR is for models.
import { rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type Catalogue, loadCatalogue, type Sample } from './catalogue.js';
import { TEMP_PREFIX } from './cache.js';
import { abortedError, downloadFile, type DownloadProgress } from './download.js';
import { defaultCacheDir } from './paths.js';
import { ModelResolveError } from './resolve-errors.js';
import { digestFile } from './sha256.js';
import { makeDirs } from '../fs/makeDirs.js';

export const SAMPLES_DIR = '_samples';

export interface SampleOptions {
  cacheDir?: string;
  /** Default true, false when env L2CAF_OFFLINE is '1'. */
  allowDownload?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Folder holding sample files to use in place; default env L2CAF_SAMPLE_MIRROR. */
  mirrorDir?: string;
  catalogue?: Catalogue;
  log?: (message: string) => void;
}

export interface ResolvedSample {
  file: string;
  sample: Sample;
  source: 'cache' | 'mirror' | 'download';
}

/** Returns a verified local copy of a catalogue sample, downloading it when needed. */
export async function resolveSample(id: string, opts: SampleOptions = {}): Promise<ResolvedSample> {
  const cat = opts.catalogue ?? (await loadCatalogue());
  const sample = cat.samples.find((s) => s.id === id);
  if (!sample) {
    throw new ModelResolveError('UNKNOWN_MODEL', `unknown sample "${id}": known samples are ${cat.samples.map((s) => s.id).join(', ') || '(none)'}`);
  }
  const log = opts.log ?? ((m: string) => void process.stderr.write(`l2caf: ${m}\n`));
  const { signal } = opts;
  if (signal?.aborted) throw abortedError(id, signal.reason);
  const dir = path.join(path.resolve(opts.cacheDir ?? defaultCacheDir()), SAMPLES_DIR);
  const file = path.join(dir, sample.file);

  let damaged = false;
  const st = await stat(file).catch(() => null);
  if (st) {
    const d = st.size === sample.size ? await digestFile(file, signal ? { signal } : {}) : null;
    if (d && d.sha256 === sample.sha256) return { file, sample, source: 'cache' };
    damaged = true;
    log(`cached sample ${sample.file} failed its check (${d ? 'sha256 ' + d.sha256 : `size ${st.size}`}, expected ${sample.sha256}): fetching it again`);
  }

  const mirrorDir = opts.mirrorDir ?? process.env.L2CAF_SAMPLE_MIRROR;
  if (mirrorDir) {
    const mirrored = path.join(path.resolve(mirrorDir), sample.file);
    const ms = await stat(mirrored).catch(() => null);
    if (ms) {
      const d = ms.size === sample.size ? await digestFile(mirrored, signal ? { signal } : {}) : null;
      if (d && d.sha256 === sample.sha256) return { file: mirrored, sample, source: 'mirror' };
      log(`sample ${sample.file} in the mirror ${mirrorDir} failed its check (${d ? 'sha256 ' + d.sha256 : `size ${ms.size}`}, expected ${sample.sha256}): not used`);
    }
  }

  const allowDownload = opts.allowDownload ?? process.env.L2CAF_OFFLINE !== '1';
  if (!allowDownload) {
    throw new ModelResolveError('OFFLINE', `sample ${id} is ${damaged ? 'damaged in' : 'not in'} the cache and downloads are disabled: pass a video file of your own, or connect to the internet and try again`);
  }
  await makeDirs(dir);
  const tmp = path.join(dir, `${TEMP_PREFIX}${sample.file}-${randomBytes(4).toString('hex')}`);
  try {
    const d = await downloadFile(sample.url, tmp, {
      id,
      file: sample.file,
      signal,
      maxBytes: sample.size,
      onBytes: (n) => opts.onProgress?.({ id, file: sample.file, fileBytes: n, fileTotal: sample.size, bytesDone: n, bytesTotal: sample.size, filesDone: 0, filesTotal: 1 }),
    });
    if (d.sha256 !== sample.sha256 || d.size !== sample.size) {
      throw new ModelResolveError('INTEGRITY', `download of sample ${id} rejected: ${sample.url} has sha256 ${d.sha256} (${d.size} bytes), the catalogue expects ${sample.sha256} (${sample.size} bytes)`, { file: sample.file, url: sample.url });
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    if (signal?.aborted) throw abortedError(id, signal.reason);
    if (e instanceof ModelResolveError) throw e;
    throw new ModelResolveError('IO', `cannot store sample ${id} in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  opts.onProgress?.({ id, file: sample.file, fileBytes: sample.size, fileTotal: sample.size, bytesDone: sample.size, bytesTotal: sample.size, filesDone: 1, filesTotal: 1 });
  return { file, sample, source: 'download' };
}
