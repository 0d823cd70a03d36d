// Layer: autograd/nn. Layers: Linear (seeded PyTorch / Xavier / Kaiming initialisation), LayerNorm and
// Dropout. Parameter names, shapes and layouts equal torch.nn's, so a state dict travels to and from
// PyTorch unchanged.
import * as T from '@propel-ts/tensor';
import type { DType, Device } from '@propel-ts/tensor';
import { toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { add, div, matmul, mul, sqrt, square, sub, transpose } from '../ops';
import { mean } from '../composites';
import { Module } from './module';
import { linearOptions, param, placement } from './params';

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
    T.checkArity('Linear.forward', arguments, 1, 'linear.forward(x)');
    const [v] = toVariables('Linear', [x]);
    if (v!.ndim === 0 || v!.shape[v!.ndim - 1] !== this.inFeatures) {
      throw new T.TensorError(`Linear: input has shape ${T.fmtShape(v!.shape)}, expected [..., ${this.inFeatures}] (the last dim is inFeatures = ${this.inFeatures})`);
    }
    checkLayerInput('Linear', v!, this.weight);
    const y = matmul(v!, transpose(this.weight, 0, 1));
    return this.bias ? add(y, this.bias) : y;
  }
}


/** Options of LayerNorm (PyTorch's names and defaults). */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Learn a per-element `weight` (ones) and `bias` (zeros). Default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, learn the `bias` too. Default true. */
  bias?: boolean;
  dtype?: DType;
  device?: Device;
}

/**
 * Layer normalization over the last dims: torch.nn.LayerNorm(normalizedShape). `normalizedShape` is a size
 * (`new nn.LayerNorm(64)`: the last dim) or a shape (`[8, 64]`: the last two). Per sample,
 * y = (x - mean) / √(var + eps) · weight + bias, with the biased variance (divided by n, as PyTorch);
 * `weight` starts at ones and `bias` at zeros, both of `normalizedShape`, state-dict keys `weight` and
 * `bias` as torch's. Built from differentiable ops, so its gradients are those of the formula.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  weight: Variable | null;
  bias: Variable | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    T.checkArity('LayerNorm', arguments, 2, 'new nn.LayerNorm(normalizedShape, { eps, elementwiseAffine, bias, dtype, device })');
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new T.TensorError(`LayerNorm: normalizedShape got ${T.describeValue(normalizedShape)}, expected a positive integer or a non-empty array of them (the last dims of the input)`);
    }
    const o = T.checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'bias', 'dtype', 'device'], 'new nn.LayerNorm(normalizedShape, OPTIONS)');
    this.normalizedShape = shape.slice();
    this.eps = T.optNumber('LayerNorm', 'eps', o.eps, 1e-5, { min: 0 });
    const affine = T.optBoolean('LayerNorm', 'elementwiseAffine', o.elementwiseAffine, true);
    const withBias = T.optBoolean('LayerNorm', 'bias', o.bias, true);
    const opts = placement('LayerNorm', o);
    this.weight = affine ? param(T.ones(shape, opts)) : null;
    this.bias = affine && withBias ? param(T.zeros(shape, opts)) : null;
  }

  forward(x: VarLike): Variable {
    T.checkArity('LayerNorm.forward', arguments, 1, 'layerNorm.forward(x)');
    const [v] = toVariables('LayerNorm', [x]);
    const k = this.normalizedShape.length;
    const lead = v!.ndim - k;
    if (lead < 0 || this.normalizedShape.some((d, i) => v!.shape[lead + i] !== d)) {
      throw new T.TensorError(`LayerNorm: input has shape ${T.fmtShape(v!.shape)}, expected one ending in normalizedShape ${T.fmtShape(this.normalizedShape)}`);
    }
    if (this.weight) checkLayerInput('LayerNorm', v!, this.weight);
    const axis = this.normalizedShape.map((_, i) => lead + i);
    const centered = sub(v!, mean(v!, { axis, keepDims: true }));
    const variance = mean(square(centered), { axis, keepDims: true });
    let y = div(centered, sqrt(add(variance, this.eps)));
    // weight and bias have normalizedShape: they broadcast over the leading (sample) dims
    if (this.weight) y = mul(y, this.weight);
    if (this.bias) y = add(y, this.bias);
    return y;
  }
}

/** Options of Dropout. */
export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1]. Default 0.5. */
  p?: number;
  /** Seed of the module's own generator (same seed, same sequence of masks); else the default generator (`manualSeed`). */
  seed?: number;
  /** Draw the masks from this generator instead. */
  generator?: T.Generator;
}

/**
 * torch.nn.Dropout(p): in training mode each element is zeroed with probability `p` and the others are
 * scaled by 1/(1-p), so the expected output is the input; after `eval()` it returns its input unchanged.
 * p = 1 zeroes everything, as PyTorch. `new nn.Dropout(0.2, { seed: 1 })` or `new nn.Dropout({ p: 0.2, seed: 1 })`;
 * each forward draws a fresh mask from the module's generator.
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: T.Generator;

  constructor(p: number | DropoutOptions = 0.5, options: Omit<DropoutOptions, 'p'> = {}) {
    super();
    const usage = 'new nn.Dropout(p, { seed, generator })';
    let o: { readonly p?: unknown; readonly seed?: unknown; readonly generator?: unknown };
    if (typeof p === 'number') {
      T.checkArity('Dropout', arguments, 2, usage);
      o = { ...T.checkOptions('Dropout', options, ['seed', 'generator'], 'new nn.Dropout(p, OPTIONS)'), p };
    } else {
      // the options-only form takes no second argument (a second p or seed would be ignored)
      T.checkArity('Dropout', arguments, 1, 'new nn.Dropout({ p, seed, generator })');
      o = T.checkOptions('Dropout', p, ['p', 'seed', 'generator'], 'new nn.Dropout(OPTIONS)');
    }
    this.p = T.optNumber('Dropout', 'p', o.p, 0.5, { min: 0, max: 1 });
    this.generator = T.generatorFrom('Dropout', o.generator, o.seed);
  }

  forward(x: VarLike): Variable {
    T.checkArity('Dropout.forward', arguments, 1, 'dropout.forward(x)');
    const [v] = toVariables('Dropout', [x]);
    if (!this.training || this.p === 0) return v!;
    // keep an element when u >= p (probability 1 - p); p = 1 keeps none, and its scale is never used
    const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
    const mask = Float64Array.from({ length: v!.size }, () => (this.generator.uniform() >= this.p ? scale : 0));
    return mul(v!, T.tensor(mask, { shape: v!.shape, dtype: v!.dtype, device: v!.device }));
  }
}

/** A layer's input must have its parameters' dtype and device: said in the layer's name, not matmul's or mul's. */
function checkLayerInput(layer: string, x: Variable, weight: Variable): void {
  if (x.dtype !== weight.dtype) {
    throw new T.TensorError(`${layer}: input has dtype ${x.dtype}, expected ${weight.dtype} (the layer's dtype: convert the input with .astype('${weight.dtype}'), or build the layer with { dtype: '${x.dtype}' })`);
  }
  if (x.device !== weight.device) {
    throw new T.TensorError(`${layer}: input is on '${x.device}', expected '${weight.device}' (the layer's device: move the input with .to('${weight.device}'), or the layer with .to('${x.device}'))`);
  }
}
