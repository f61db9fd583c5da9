// Big arrays (attention maps, traces, volume slices) never travel as JSON: the service keeps them
// and hands out a BinaryRef; a host fetches the bytes by handle (HTTP GET /bin/<handle> in the
// browser mode, the l2caf-bin:// protocol in Electron) and views them with the dtype and shape.

export type BinaryDType = 'float32' | 'uint8' | 'int16' | 'uint16';

export interface BinaryRef {
  /** opaque, URL-safe ([A-Za-z0-9._-]); valid while the service keeps the data */
  handle: string;
  dtype: BinaryDType;
  /** row-major; the product is the element count */
  shape: number[];
  byteLength: number;
}

/** Handles are URL path segments: this is the only shape a binding accepts. */
export const HANDLE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
