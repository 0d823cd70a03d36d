// Layer: tensor. Backend-neutral layout arithmetic shared by the CPU walk (backends/cpu/walk.ts) and the
// GPU kernel generators (backends/gpu/kernels.ts): several operands with their own strides over one shape,
// reduced to the fewest dimensions that visit the same addresses in the same row-major order. Imports nothing.

/** A walk over a shape for several operands, its dimensions merged; `strides[k]` are operand k's strides. */
export interface WalkPlan {
  /** Merged shape: at least one dimension, and no size-1 dimension unless it is the only one. */
  readonly shape: number[];
  /** Per operand, its strides over the merged shape. */
  readonly strides: number[][];
}

/**
 * Drop size-1 dimensions and merge neighbours that every operand walks as one (stride[d] equals
 * stride[d+1] * shape[d+1] for all), so a contiguous tensor becomes one dimension. Never returns rank 0:
 * a walk of one element (rank 0, or all sizes 1) is one dimension of size 1, and a walk of no elements
 * (some size 0) one dimension of size 0, both with stride 0 (neither ever steps).
 */
export function planWalk(shape: readonly number[], strides: readonly (readonly number[])[]): WalkPlan {
  if (shape.some((d) => d === 0)) return { shape: [0], strides: strides.map(() => [0]) };
  const dims: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = dims.length - 1;
    let mergeable = last >= 0;
    for (let k = 0; k < strides.length && mergeable; k++) {
      mergeable = outStrides[k]![last] === strides[k]![d]! * n;
    }
    if (mergeable) {
      dims[last] = dims[last]! * n;
      for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      dims.push(n);
      for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  if (dims.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: dims, strides: outStrides };
}
