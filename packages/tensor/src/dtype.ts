// Layer: tensor. Element types and the typed arrays that hold them. Imports nothing.

/** Element type of a tensor. Both work on the CPU; the GPU backend is float32 only. */
export type DType = 'float32' | 'float64';
/** Where a tensor's storage lives. */
export type Device = 'cpu' | 'gpu';

/** The typed array behind a CPU tensor of either dtype. */
export type TypedArray = Float32Array | Float64Array;

/** A fresh zero-filled typed array of `dtype`. */
export function allocTyped(dtype: DType, length: number): TypedArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'float64';
}

export function isDevice(x: unknown): x is Device {
  return x === 'cpu' || x === 'gpu';
}
