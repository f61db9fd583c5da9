// The DICOM part-10 mark: "DICM" at byte 128. Enough to tell a series folder from a folder of clips.
import { open } from 'node:fs/promises';

export async function isDicomFile(file: string): Promise<boolean> {
  let h;
  try {
    h = await open(file, 'r');
    const b = Buffer.alloc(132);
    const { bytesRead } = await h.read(b, 0, 132, 0);
    return bytesRead === 132 && b.toString('latin1', 128, 132) === 'DICM';
  } catch {
    return false;
  } finally {
    await h?.close();
  }
}
