// Layer: autograd/nn. Layers with parameters: Linear (seeded PyTorch / Xavier / Kaiming initialisation).
// Parameter names, shapes and layouts equal torch.nn's, so a state dict travels to and from PyTorch unchanged.
import * as T from '@propel-ts/tensor';
import type { DType, Device } from '@propel-ts/tensor';
import type { Variable, VarLike } from '../variable';
import { add, matmul, transpose } from '../ops';
import { Module } from './module';
import { linearOptions, param } from './params';

/** How Linear initialises its weight: PyTorch's default U(±1/√fanIn), Xavier/Glorot uniform, or Kaiming/He normal. */
export type Init = 'pytorch' | 'xavier' | 'kaiming';

/** Options of Linear and MLP. */
export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  device?: Device;
  /** Seed of the initialisation (default 0). */
  seed?: number;
  init?: Init;
}

/**
 * y = x Wᵀ + b, with weight `[out, in]` and bias `[out]`: torch.nn.Linear(inFeatures, outFeatures, bias),
 * state-dict keys `weight` and `bias`.
 */
export class Linear extends Module {
  weight: Variable;
  bias: Variable | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    T.checkArity('Linear', arguments, 3, 'new nn.Linear(inFeatures, outFeatures, { bias, dtype, device, seed, init })');
    for (const [arg, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new T.TensorError(`Linear: ${arg} must be a positive integer, got ${T.describeValue(v)}`);
    }
    const o = linearOptions('Linear', options);
    const gen = new T.Generator(o.seed);
    const init = o.init;
    const opts = { dtype: o.dtype, device: o.device } as const;
    const bound = init === 'xavier' ? Math.sqrt(6 / (inFeatures + outFeatures)) : 1 / Math.sqrt(inFeatures);
    const draw = init === 'kaiming'
      ? () => gen.normal() * Math.sqrt(2 / inFeatures)
      : () => (2 * gen.uniform() - 1) * bound;
    this.weight = param(T.tensor(Array.from({ length: outFeatures * inFeatures }, draw), { ...opts, shape: [outFeatures, inFeatures] }));
    const bBound = 1 / Math.sqrt(inFeatures);
    this.bias = !o.bias ? null
      : param(init === 'pytorch'
        ? T.tensor(Array.from({ length: outFeatures }, () => (2 * gen.uniform() - 1) * bBound), opts)
        : T.zeros([outFeatures], opts));
  }

  forward(x: VarLike): Variable {
    const y = matmul(x, transpose(this.weight, 0, 1));
    return this.bias ? add(y, this.bias) : y;
  }
}

