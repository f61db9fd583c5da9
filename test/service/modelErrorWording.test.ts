// issue 19 item 18: a model the app cannot load is explained in the app's terms (which menu or
// field to use), while the CLI keeps the engine's message with its command-line advice.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelResolveError } from '../../src/models/resolve-errors.js';
import { resolveModel } from '../../src/models/resolve.js';
import { appModelMessage } from '../../src/service/modelErrorWording.js';
import { toServiceError } from '../../src/service/errors.js';

const CLI_WORDS = /L2CAF_|--model|--allow-unverified|allowUnverified/;
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});
const tempDir = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'l2caf-wording-'));
  dirs.push(d);
  return d;
};

describe('model errors in the app', () => {
  it('a catalogue model that is not on this computer, offline: the window names the Model menu; the engine keeps its CLI advice', async () => {
    const e = await resolveModel('resnet50-v2-onnx', { mirror: await tempDir(), cacheDir: await tempDir(), allowDownload: false }).then(
      () => { throw new Error('resolved'); }, (err: unknown) => err as ModelResolveError);
    expect(e).toBeInstanceOf(ModelResolveError);
    // the CLI's wording is unchanged
    expect(e.message).toMatch(CLI_WORDS);
    const s = toServiceError(e, 'model "resnet50-v2-onnx"');
    expect(s.code).toBe('model');
    expect(s.message).not.toMatch(CLI_WORDS);
    expect(s.message).toMatch(/^model "resnet50-v2-onnx": resnet50-v2-onnx .*choose another model in the Model menu, or open a folder holding it with "Model folder…" in the Model menu$/);
    // a scan's model is typed in the viewer's model field
    expect(toServiceError(e, 'scan.nii', 'field').message).toMatch(/type another model in the model field .*type the path of a folder holding it in the model field$/);
  });

  it('every code whose engine message carries command-line advice gets app wording', () => {
    const cases: [ModelResolveError['code'], string][] = [
      ['OFFLINE', 'm is not available offline (...): set L2CAF_MODEL_MIRROR to a folder holding m/, pass --model DIR with a model folder, or connect'],
      ['MIRROR_ONLY', 'm has no public download (...): put a copy in L2CAF_MODEL_MIRROR/m/ or pass --model DIR'],
      ['NETWORK', 'cannot download m: URL: fetch failed; to work offline set L2CAF_MODEL_MIRROR to a folder holding m/ or pass --model DIR'],
      ['UNVERIFIED', 'refusing to install m: ...; pass allowUnverified (--allow-unverified) to download it anyway'],
      ['IO', 'cannot create the model cache /x: EACCES (set L2CAF_CACHE_DIR to a writable folder)'],
    ];
    for (const [code, message] of cases) {
      const text = appModelMessage(new ModelResolveError(code, message, { model: 'm' }));
      expect(text, code).not.toBeNull();
      expect(text, code).not.toMatch(CLI_WORDS);
    }
    expect(appModelMessage(new ModelResolveError('IO', 'cannot create the model cache /x: EACCES (set L2CAF_CACHE_DIR to a writable folder)'))).toBe('cannot create the model cache /x: EACCES');
    // a message without CLI advice is kept as the engine wrote it
    expect(appModelMessage(new ModelResolveError('NOT_FOUND', 'no such model folder or file: /x'))).toBeNull();
  });
});
