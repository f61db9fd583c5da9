// Window geometry shared by ONNX Conv and the pooling ops: strides, dilations and the explicit
// begin/end padding per spatial axis, resolving auto_pad and ceil_mode. Pure.

export interface WindowGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** padding before and after, per spatial axis */
  padBegin: number[];
  padEnd: number[];
}

export interface WindowAttrs {
  autoPad: string;
  pads: number[] | null;
  strides: number[] | null;
  dilations: number[] | null;
  ceilMode: boolean;
}

/**
 * `spatial`: the input's spatial dims; `kernel`: the window's. ONNX pads are
 * [x1_begin, x2_begin, ..., x1_end, x2_end, ...].
 */
export function windowGeometry(spatial: readonly number[], kernel: readonly number[], a: WindowAttrs, where: string): WindowGeometry {
  const r = spatial.length;
  const strides = a.strides && a.strides.length ? a.strides : new Array<number>(r).fill(1);
  const dilations = a.dilations && a.dilations.length ? a.dilations : new Array<number>(r).fill(1);
  let padBegin = new Array<number>(r).fill(0);
  let padEnd = new Array<number>(r).fill(0);
  if (a.autoPad === 'SAME_UPPER' || a.autoPad === 'SAME_LOWER') {
    for (let i = 0; i < r; i++) {
      const out = Math.ceil(spatial[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - spatial[i]!);
      const small = Math.floor(total / 2);
      padBegin[i] = a.autoPad === 'SAME_UPPER' ? small : total - small;
      padEnd[i] = total - padBegin[i]!;
    }
  } else if (a.autoPad === 'VALID') {
    // no padding
  } else if (a.autoPad === 'NOTSET' || a.autoPad === '') {
    if (a.pads && a.pads.length) {
      if (a.pads.length !== 2 * r) throw new Error(`${where}: pads has ${a.pads.length} values for ${r} spatial axes`);
      padBegin = a.pads.slice(0, r);
      padEnd = a.pads.slice(r);
    }
  } else {
    throw new Error(`${where}: auto_pad ${a.autoPad} is not supported`);
  }
  if (a.ceilMode) {
    // PyTorch/ONNX ceil mode: one more window when a partial one remains, as long as it starts
    // inside the input or the begin padding; it is filled by extra end padding (never counted).
    for (let i = 0; i < r; i++) {
      const eff = (kernel[i]! - 1) * dilations[i]! + 1;
      const span = spatial[i]! + padBegin[i]! + padEnd[i]!;
      let out = Math.ceil((span - eff) / strides[i]!) + 1;
      if ((out - 1) * strides[i]! >= spatial[i]! + padBegin[i]!) out -= 1;
      const need = (out - 1) * strides[i]! + eff - span;
      if (need > 0) padEnd[i] = padEnd[i]! + need;
    }
  }
  return { kernel: kernel.slice(), strides, dilations, padBegin, padEnd };
}

/** Output spatial size of a 'valid' window over the padded input. */
export function windowOutput(spatial: readonly number[], g: WindowGeometry): number[] {
  return spatial.map((s, i) => Math.floor((s + g.padBegin[i]! + g.padEnd[i]! - ((g.kernel[i]! - 1) * g.dilations[i]! + 1)) / g.strides[i]!) + 1);
}
