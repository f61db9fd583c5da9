// JSON (and other text) output: to stdout for "-", else written to a temporary name and renamed
// when complete.
import { writeFileAtomic } from './writeFileAtomic.js';

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeTextAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

export async function writeTextAtomic(file: string, text: string): Promise<void> {
  if (file === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFileAtomic(file, text);
  } catch (e) {
    throw new Error(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
