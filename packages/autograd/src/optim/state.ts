// Layer: autograd/optim. What the optimizers share and the package does not export: per-parameter state
// buffers on either update path, and the two accepted forms of the options.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { positionalOptions } from '../positional';

/**
 * Per-parameter state buffers, allocated on first use. A buffer is a host array (in-place path) or a tensor
 * (tensor path); when a parameter switches path between steps (its value became, or stopped being, a
 * contiguous CPU array, e.g. after the first tensor-path step replaced a view) the buffer moves with it,
 * so momentum and moments carry over.
 */
export class Slots {
  private host = new Map<number, Float64Array>();
  private dev = new Map<number, Tensor>();
  /** True once parameter `i` has state (on either path). */
  has(i: number): boolean { return this.host.has(i) || this.dev.has(i); }
  hostFor(i: number, n: number): Float64Array {
    let s = this.host.get(i);
    if (!s) {
      const t = this.dev.get(i);
      s = t ? Float64Array.from(t.toTypedArray()) : new Float64Array(n);
      this.dev.delete(i);
      this.host.set(i, s);
    }
    return s;
  }
  /** The state of parameter `i` as a tensor like `like` (moved from the host if it lives there). */
  tensor(i: number, like: Tensor): Tensor | undefined {
    const h = this.host.get(i);
    if (h) {
      this.host.delete(i);
      this.dev.set(i, T.tensor(h, { shape: like.shape, dtype: like.dtype, device: like.device }));
    }
    return this.dev.get(i);
  }
  setTensor(i: number, t: Tensor): void { this.dev.set(i, t); this.host.delete(i); }
}

/**
 * An optimizer's options in either of PyTorch's forms: the learning rate alone (`new Adam(params, 0.1)`)
 * or an object of the accepted keys (`{ lr: 0.1, ... }`). Returns the object, checked for unknown keys.
 */
export function optimizerOptions<K extends string>(name: string, options: unknown, keys: readonly ['lr', ...K[]]): { readonly [P in 'lr' | K]?: unknown } {
  return positionalOptions<'lr' | K>(name, options, keys, `new ${name}(params, OPTIONS)`);
}

/** A learning rate: a finite number > 0. */
export const lrRule = { min: 0, minExclusive: true } as const;
