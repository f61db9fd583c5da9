// Deflated Explicit VR Little Endian files: only the data set after the meta group is deflated.
// dicom-parser inflates it with zlib.inflateRawSync without an output limit (one small file whose
// data set inflates to gigabytes, a "zip bomb", exhausted memory), and its meta-header reader reads
// one element past the meta group, which in a deflated file is compressed bytes: now and then they
// look like a sequence and a valid file was refused ("item tag (FFFE,E000) not found"). So the
// meta group is cut at its group length, and the data set is inflated here, every file of a series
// drawing on one budget of inflated bytes; going past it is a one-line error naming the file.
import { inflateRawSync } from 'node:zlib';

import { VolumeError } from './errors.js';

/** Inflated bytes a series may hold in all (as MAX_DATA_BYTES for NIfTI). */
export const MAX_INFLATED_BYTES = 2 ** 31;

/** What the files of one series have left to inflate (shared, decremented per file). */
export interface InflateBudget {
  left: number;
  readonly total: number;
}

export function inflateBudget(total = MAX_INFLATED_BYTES): InflateBudget {
  return { left: total, total };
}

/**
 * Pure: where a Part 10 file's meta group ends, from its (0002,0000) group length (the first
 * element after the DICM prefix, explicit VR little endian, UL); null without one or when it points
 * past the file.
 */
export function metaGroupEnd(bytes: Uint8Array): number | null {
  if (bytes.length < 144) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tagOk = dv.getUint16(132, true) === 0x0002 && dv.getUint16(134, true) === 0x0000;
  const vrOk = bytes[136] === 0x55 && bytes[137] === 0x4c && dv.getUint16(138, true) === 4; // 'UL', length 4
  if (!tagOk || !vrOk) return null;
  const end = 144 + dv.getUint32(140, true);
  return end <= bytes.length ? end : null;
}

/** The raw-deflated `data` inflated within the budget (which it draws down). */
export function inflateDataSet(name: string, data: Uint8Array, budget: InflateBudget): Buffer {
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(data, { maxOutputLength: Math.max(1, budget.left) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new VolumeError(name, `the deflated data set inflates past the ${budget.total}-byte limit of a series`);
    }
    throw new VolumeError(name, `corrupt deflated data set (${(err as Error).message})`);
  }
  budget.left -= inflated.length;
  return inflated;
}

/**
 * dicom-parser's `inflater` option, for a deflated file without a group length to cut the meta
 * group at: gets the whole file and where the data set starts, returns the file with the data set
 * inflated in place.
 */
export function boundedInflater(name: string, budget: InflateBudget): (bytes: Uint8Array, position: number) => Uint8Array {
  return (bytes, position) => {
    const inflated = inflateDataSet(name, bytes.subarray(position), budget);
    // dicom-parser reads the result through Buffer methods on Node: a Buffer, not a plain array
    const full = Buffer.allocUnsafe(position + inflated.length);
    full.set(bytes.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
}
