// The layouts GPU parity suites read their inputs through: a CPU base tensor and the view the op reads,
// the same view then taken on the device (zero copy), so kernels are checked on strided, stepped and
// stride-0 reads, not only on contiguous ones.
import type { Tensor } from '@propel-ts/tensor';

export type Layout = 'contiguous' | 'permuted' | 'sliced' | 'broadcast';
export const LAYOUTS: readonly Layout[] = ['contiguous', 'permuted', 'sliced', 'broadcast'];
/** A base tensor (made on the CPU) and how to take the view of it that the op reads. */
export interface Input { base: Tensor; view: (t: Tensor) => Tensor }

/**
 * An input of logical shape `shape` read through `layout`; `make(s)` fills a base of shape `s`. permuted:
 * the axes reversed; sliced: every other element of the last axis, skipping its first; broadcast: axis 0
 * stored once and read with stride 0.
 */
export function layoutInput(shape: readonly number[], layout: Layout, make: (s: readonly number[]) => Tensor): Input {
  const nd = shape.length;
  switch (layout) {
    case 'contiguous':
      return { base: make(shape), view: (t) => t };
    case 'permuted': {
      const order = shape.map((_, i) => nd - 1 - i);
      return { base: make(order.map((d) => shape[d]!)), view: (t) => t.permute(order) };
    }
    case 'sliced': {
      const bigger = shape.map((d, i) => (i === nd - 1 ? 2 * d + 1 : d));
      return { base: make(bigger), view: (t) => t.slice(-1, 1, 2 * shape[nd - 1]! + 1, 2) };
    }
    case 'broadcast':
      return { base: make(shape.map((d, i) => (i === 0 ? 1 : d))), view: (t) => t.expand(shape) };
  }
}
