// Layer: tensor. Where a tensor's elements live. A Tensor holds a Storage and never looks inside it;
// each backend knows its own storage class. Imports dtype.ts and errors.ts.
import type { Device, TypedArray } from './dtype';
import { internal } from './errors';

/** Device memory behind one or more tensors (views share it). */
export interface Storage {
  readonly device: Device;
  /** Number of elements the storage holds. */
  readonly length: number;
  /** False when the elements can only be read asynchronously (gpu.js's webgpu mode); true when absent. */
  readonly syncReadable?: boolean;
}

/**
 * Host memory: a typed array. A storage whose buffer was handed back to the CPU backend's pool (see
 * `recycleScope`) refuses every later access with an `internal:` error, so a recycling mistake fails
 * loudly instead of reading someone else's numbers.
 */
export class CpuStorage implements Storage {
  readonly device = 'cpu' as const;
  #data: TypedArray;
  #recycled = false;
  constructor(data: TypedArray) {
    this.#data = data;
  }
  /** The elements (row-major for contiguous tensors). */
  get data(): TypedArray {
    if (this.#recycled) internal('a tensor created inside recycleScope was used after the scope ended without being kept');
    return this.#data;
  }
  get length(): number {
    return this.#data.length;
  }
  /** Give the buffer up for reuse (the CPU backend's pool only); every later access throws. */
  recycle(): TypedArray {
    const data = this.data;
    this.#recycled = true;
    return data;
  }
}
