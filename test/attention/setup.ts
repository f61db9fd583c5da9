// Shared test setup: the backend the app would pick (wasm here; L2CAF_BACKEND=cpu overrides).
import { selectBackend } from '../../src/engine/backend.js';

export async function useBackend(): Promise<string> {
  return selectBackend();
}
