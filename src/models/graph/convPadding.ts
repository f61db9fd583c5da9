// The padding TensorFlow applies before a convolution or pooling window, per spatial axis, as
// explicit [before, after] amounts. Pure; used where the head needs the exact geometry (the input
// gradient of a depthwise convolution) rather than the 'same'/'valid' shorthand.

export type PaddingSpec = 'same' | 'valid' | [number, number][];

/** Output length of a window op along one axis. */
export function convOutputLength(input: number, kernel: number, stride: number, dilation: number, pad: PaddingSpec | [number, number]): number {
  const span = (kernel - 1) * dilation + 1;
  if (pad === 'same') return Math.ceil(input / stride);
  if (pad === 'valid') return Math.floor((input - span) / stride) + 1;
  const [a, b] = pad as [number, number];
  return Math.floor((input + a + b - span) / stride) + 1;
}

/**
 * [before, after] padding along one axis. 'same' follows TensorFlow: the total is what makes the
 * output ceil(input / stride) long, and the odd pixel goes after.
 */
export function axisPadding(input: number, kernel: number, stride: number, dilation: number, pad: 'same' | 'valid' | [number, number]): [number, number] {
  if (pad === 'valid') return [0, 0];
  if (pad !== 'same') return pad;
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - input, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}
