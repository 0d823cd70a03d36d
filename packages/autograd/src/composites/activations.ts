// Layer: autograd/composites. Activations built from the primitives, with torch.nn.functional's formulas
// and its gradients at the kinks: leakyRelu, elu, gelu, silu, logSigmoid, hardtanh, softsign. A branch is a
// `where`, whose backward sends each element's gradient into the branch it took only; the discarded branch
// is still computed, so it is written to stay finite (its gradient there is 0, and 0·∞ would be NaN).
// The same functions on Tensors are in @propel-ts/tensor (activations.ts). Imports define-op (toVariables)
// and the elementwise primitives.
import * as T from '@propel-ts/tensor';
import { toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { abs, add, clamp, div, erf, expm1, gt, lt, mul, neg, sigmoid, softplus, square, tanh, where } from '../ops/elementwise';

/** The one input of an activation as a Variable (a Tensor or a number becomes a constant). */
function input(fn: string, x: VarLike): Variable {
  return toVariables(fn, [x])[0]!;
}

/**
 * x for x > 0, slope·x otherwise (torch.nn.functional.leaky_relu, whose negative_slope is `slope`, default
 * 0.01). The gradient at 0 is slope, as PyTorch's (its backward tests x > 0).
 */
export function leakyRelu(x: VarLike, options?: { slope?: number }): Variable {
  T.checkArity('leakyRelu', arguments, 2, 'leakyRelu(x, { slope })');
  const o = T.checkOptions('leakyRelu', options, ['slope'], 'leakyRelu(x, OPTIONS)');
  const slope = T.optNumber('leakyRelu', 'slope', o.slope, 0.01);
  const v = input('leakyRelu', x);
  return where(gt(v, 0), v, mul(v, slope));
}

/**
 * x for x > 0, alpha·(e^x - 1) otherwise (torch.nn.functional.elu, alpha default 1). The gradient at 0 is
 * alpha (the exponential branch's, as PyTorch's backward, which tests x <= 0).
 */
export function elu(x: VarLike, options?: { alpha?: number }): Variable {
  T.checkArity('elu', arguments, 2, 'elu(x, { alpha })');
  const o = T.checkOptions('elu', options, ['alpha'], 'elu(x, OPTIONS)');
  const alpha = T.optNumber('elu', 'alpha', o.alpha, 1);
  const v = input('elu', x);
  // the exponential reads min(x, 0), so a large positive x cannot overflow it; clamp's gradient is 1 at
  // its bound, so at x = 0 the gradient is alpha·e^0 = alpha
  return where(gt(v, 0), v, mul(expm1(clamp(v, { max: 0 })), alpha));
}

/** √(2/π), the scale inside gelu's tanh form. */
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The Gaussian error linear unit x·Φ(x) (torch.nn.functional.gelu): `approximate: 'none'` (default) is
 * 0.5·x·(1 + erf(x/√2)); `'tanh'` is PyTorch's tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
export function gelu(x: VarLike, options?: { approximate?: 'none' | 'tanh' }): Variable {
  T.checkArity('gelu', arguments, 2, "gelu(x, { approximate: 'none' | 'tanh' })");
  const o = T.checkOptions('gelu', options, ['approximate'], 'gelu(x, OPTIONS)');
  const approximate = T.optOneOf('gelu', 'approximate', o.approximate, ['none', 'tanh'], 'none');
  const v = input('gelu', x);
  const inner = approximate === 'none'
    ? erf(mul(v, Math.SQRT1_2))
    : tanh(mul(add(v, mul(mul(square(v), v), 0.044715)), SQRT_2_OVER_PI));
  return mul(mul(v, 0.5), add(inner, 1));
}

/** x·σ(x), the sigmoid linear unit (torch.nn.functional.silu, also called swish). */
export function silu(x: VarLike): Variable {
  T.checkArity('silu', arguments, 1, 'silu(x)');
  const v = input('silu', x);
  return mul(v, sigmoid(v));
}

/**
 * log σ(x) (torch.nn.functional.logsigmoid), computed as -softplus(-x): finite for every finite x (log of
 * the sigmoid would be log 0 = -inf below about -745 in float64, -104 in float32).
 */
export function logSigmoid(x: VarLike): Variable {
  T.checkArity('logSigmoid', arguments, 1, 'logSigmoid(x)');
  return neg(softplus(neg(input('logSigmoid', x))));
}

/**
 * x clamped to [min, max] (torch.nn.functional.hardtanh; min -1 and max 1 by default, min < max). The
 * gradient is 1 strictly inside and 0 at the bounds and outside, as PyTorch's hardtanh (unlike `clamp`,
 * whose gradient is 1 at the bounds).
 */
export function hardtanh(x: VarLike, options?: { min?: number; max?: number }): Variable {
  T.checkArity('hardtanh', arguments, 2, 'hardtanh(x, { min, max })');
  const o = T.checkOptions('hardtanh', options, ['min', 'max'], 'hardtanh(x, OPTIONS)');
  const min = T.optNumber('hardtanh', 'min', o.min, -1, { infinite: true });
  const max = T.optNumber('hardtanh', 'max', o.max, 1, { infinite: true });
  if (!(min < max)) throw new T.TensorError(`hardtanh: min got ${min} and max ${max}, expected min < max (as torch.nn.Hardtanh)`);
  const v = input('hardtanh', x);
  // inside (min, max) the value is x itself; elsewhere, the bounds included, a constant (no gradient)
  return where(mul(gt(v, min), lt(v, max)), v, T.clamp(v.value, min, max));
}

/** x / (1 + |x|) (torch.nn.functional.softsign). */
export function softsign(x: VarLike): Variable {
  T.checkArity('softsign', arguments, 1, 'softsign(x)');
  const v = input('softsign', x);
  return div(v, add(abs(v), 1));
}
