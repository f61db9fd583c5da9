// Loaded models kept by the service for describe and trace calls (loading darknet-tiny takes a
// few hundred ms; a user clicks through frames). The TF.js backend is chosen once per process.
import { selectBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';

export class ModelCache {
  private backend: Promise<string> | null = null;
  private readonly models = new Map<string, Promise<LoadedModel>>();
  private readonly splits = new Map<string, SplitModel>();

  constructor(private readonly maxModels = 2) {}

  ensureBackend(): Promise<string> {
    this.backend ??= selectBackend();
    return this.backend;
  }

  /** model: catalogue id, folder or undefined (the default). Failed loads are not kept. */
  async get(model: string | undefined): Promise<LoadedModel> {
    await this.ensureBackend();
    const key = model ?? '';
    let p = this.models.get(key);
    if (!p) {
      p = openModel({ model, log: () => {} });
      this.models.set(key, p);
      p.catch(() => this.models.delete(key));
      while (this.models.size > this.maxModels) {
        const [oldest] = this.models.keys();
        const old = this.models.get(oldest!)!;
        this.models.delete(oldest!);
        for (const k of [...this.splits.keys()]) if (k.startsWith(`${oldest}\u0000`)) this.splits.delete(k);
        void old.then((m) => m.dispose(), () => {});
      }
    }
    return p;
  }

  async split(model: string | undefined, layer: string | undefined): Promise<{ model: LoadedModel; split: SplitModel }> {
    const m = await this.get(model);
    const key = `${model ?? ''}\u0000${layer ?? m.defaultLayer}`;
    let s = this.splits.get(key);
    if (!s) {
      s = m.split(layer);
      this.splits.set(key, s);
    }
    return { model: m, split: s };
  }

  async dispose(): Promise<void> {
    const all = [...this.models.values()];
    this.models.clear();
    this.splits.clear();
    for (const p of all) await p.then((m) => m.dispose(), () => {});
  }
}
