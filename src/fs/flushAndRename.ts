// The last step of every "temporary name, then rename" write: flush the finished temporary file,
// then rename it over the target. Flushed first, or a power cut could leave the new name pointing
// at empty blocks.
import { open, rename } from 'node:fs/promises';

export async function flushAndRename(temp: string, final: string): Promise<void> {
  const h = await open(temp, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(temp, final);
}
