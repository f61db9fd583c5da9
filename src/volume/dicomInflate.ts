// The inflater handed to dicom-parser for Deflated Explicit VR Little Endian files. dicom-parser's
// own Node path calls zlib.inflateRawSync without an output limit, so one small file whose data set
// inflates to gigabytes (a "zip bomb") exhausted memory. Here every file of a series draws on one
// budget of inflated bytes, and going past it is a one-line error naming the file.
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
 * dicom-parser's `inflater` option: gets the whole file and where the deflated data set starts,
 * returns the file with the data set inflated in place (the header bytes kept before it).
 */
export function boundedInflater(name: string, budget: InflateBudget): (bytes: Uint8Array, position: number) => Uint8Array {
  return (bytes, position) => {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(bytes.subarray(position), { maxOutputLength: Math.max(1, budget.left) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new VolumeError(name, `the deflated data set inflates past the ${budget.total}-byte limit of a series`);
      }
      throw new VolumeError(name, `corrupt deflated data set (${(err as Error).message})`);
    }
    budget.left -= inflated.length;
    // dicom-parser reads the result through Buffer methods on Node: a Buffer, not a plain array
    const full = Buffer.allocUnsafe(position + inflated.length);
    full.set(bytes.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
}
