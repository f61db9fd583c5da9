// What a head translation owns and disposes with its split: tensors, and caches that hold tensors.
export interface Owned {
  dispose(): void;
}
