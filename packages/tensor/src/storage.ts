// Layer: tensor. Where a tensor's elements live. A Tensor holds a Storage and never looks inside it;
// each backend knows its own storage class. Imports only dtype.ts.
import type { Device, TypedArray } from './dtype';

/** Device memory behind one or more tensors (views share it). */
export interface Storage {
  readonly device: Device;
  /** Number of elements the storage holds. */
  readonly length: number;
}

/** Host memory: a typed array. */
export class CpuStorage implements Storage {
  readonly device = 'cpu' as const;
  constructor(readonly data: TypedArray) {}
  get length(): number {
    return this.data.length;
  }
}
